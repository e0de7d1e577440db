package customer

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"tpe/payment"
)

var docsDir = flag.String("docs", "", "write every screen as PNG into this directory")

// Samples is one realistic frame per screen, for docs, tpectl and tests.
func samples(lang string) []Frame {
	amt := payment.Amount{Minor: 1250, Currency: "EUR"}
	return []Frame{
		{Screen: Idle, Lang: lang, Merchant: "Boulangerie du Port"},
		{Screen: Amount, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt},
		{Screen: Processing, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt},
		{Screen: Approved, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt},
		{Screen: Declined, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt, Reason: ReasonInsufficientFunds},
		{Screen: OfflineApproved, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt},
		{Screen: QR, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt, QRPayload: "https://qr.alipay.com/bax03070lgsbxpqdytk9006d",
			Wallets: []string{"Alipay", "GCash", "Kakao Pay", "Touch 'n Go", "TrueMoney"}, Remaining: 4*time.Minute + 32*time.Second},
		{Screen: RemoveCard, Lang: lang, Merchant: "Boulangerie du Port"},
		{Screen: LinkSent, Lang: lang, Merchant: "Boulangerie du Port", Amount: amt, Email: "jean.dupont@example.com"},
	}
}

func TestWriteScreens(t *testing.T) {
	if *docsDir == "" {
		t.Skip("-docs DIR not given")
	}
	for _, lang := range []string{"fr", "en"} {
		for _, f := range samples(lang) {
			for _, sz := range []image.Point{{240, 320}, {240, 240}} {
				img := Render(f, sz)
				name := filepath.Join(*docsDir, fmt.Sprintf("%s-%s-%dx%d.png", f.Screen, lang, sz.X, sz.Y))
				out, err := os.Create(name)
				if err != nil {
					t.Fatal(err)
				}
				if err := png.Encode(out, img); err != nil {
					t.Fatal(err)
				}
				out.Close()
			}
		}
	}
}
