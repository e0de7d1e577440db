package emv_test

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

// TestNoCardDataInLogs runs every profile at debug level and searches the
// log for full PANs, track 2 and cryptograms, in clear or hex.
func TestNoCardDataInLogs(t *testing.T) {
	var buf bytes.Buffer
	for _, p := range cardsim.Profiles() {
		for _, amount := range []int64{1000, 6000} {
			for _, floor := range []int64{0, 2000} {
				card, _ := cardsim.New(p.Name)
				cfg := testConfig(floor)
				cfg.Logger = slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
				before := buf.Len()
				res := run(t, cfg, card, amount, emv.Purchase)
				// Log the result the way a caller would, too.
				cfg.Logger.Info("caller", "result", res, "pan", res.PAN, "icc", res.ICC, "track2", res.Track2, "ac", res.Cryptogram)
				if buf.Len() == before {
					t.Fatalf("%s: nothing logged", p.Name)
				}
				for _, secret := range []string{res.PAN.Digits(), hex.EncodeToString(res.Cryptogram.Reveal()), hex.EncodeToString(res.Track2.Reveal())} {
					if secret == "" {
						continue
					}
					log := strings.ToLower(buf.String())
					if strings.Contains(log, strings.ToLower(secret)) {
						t.Errorf("%s: log contains card data %q", p.Name, secret[:4]+"...")
					}
				}
			}
		}
		if strings.Contains(buf.String(), p.PAN) {
			t.Errorf("%s: full PAN in log", p.Name)
		}
	}
	if !strings.Contains(buf.String(), "476173******0119") {
		t.Error("masked PAN missing from the outcome log line")
	}
}
