package gatewaysim_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/pin"
)

// Virtual cards of payment/emv/cardsim: every one's PIN is cardsim.PIN.
const (
	visaPAN = "4761739001010119"
	mcPAN   = "5413330089010434"
)

// issuerSim is a simulator with a terminal's view of it: card data sealed
// to its key, PINs enciphered under the test BDK's DUKPT keys.
type issuerSim struct {
	t       *testing.T
	sim     *gatewaysim.Server
	base    string
	enc     jose.Encrypter
	ik      pin.Key // the terminal's initial key
	ksn     pin.KSN
	orders  int
	logs    *lockedBuffer
	lastMsg string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func newIssuerSim(t *testing.T, o *gatewaysim.Opts) *issuerSim {
	t.Helper()
	logs := &lockedBuffer{}
	var opts gatewaysim.Opts
	if o != nil {
		opts = *o
	}
	opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.VerifyCryptogram = func(string, string, []byte) error { return nil }
	sim, ts := newSim(t, &opts)
	ck := sim.CardKey()
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.KeyAlgorithm(ck.Algorithm), Key: ck.Key, KeyID: ck.KeyID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bdk, _ := hex.DecodeString(gatewaysim.TestBDK)
	id := [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56}
	ik, err := pin.DeriveInitialKey(bdk, id)
	if err != nil {
		t.Fatal(err)
	}
	return &issuerSim{t: t, sim: sim, base: ts.URL, enc: enc, ik: ik, ksn: pin.NewKSN(id, 0), logs: logs}
}

// block enciphers p for pan under the next KSN, as the terminal does.
func (s *issuerSim) block(p, pan string) (blockHex, ksnHex string) {
	s.t.Helper()
	next, err := s.ksn.Next()
	if err != nil {
		s.t.Fatal(err)
	}
	s.ksn = next
	pp, err := pin.ParsePIN(p)
	if err != nil {
		s.t.Fatal(err)
	}
	b, err := pin.Format4(s.ik, s.ksn, pin.AES128, pp, pan)
	if err != nil {
		s.t.Fatal(err)
	}
	return hex.EncodeToString(b[:]), s.ksn.String()
}

// sale sends one card-present sale and returns the result code. set
// overrides request fields (nil deletes one).
func (s *issuerSim) sale(pan string, amount int64, set map[string]any) string {
	s.t.Helper()
	card, _ := json.Marshal(map[string]string{"pan": pan, "expiry": "3012", "panSeq": "01"})
	obj, err := s.enc.Encrypt(card)
	if err != nil {
		s.t.Fatal(err)
	}
	sealed, _ := obj.CompactSerialize()
	s.orders++
	fields := map[string]any{"orderID": fmt.Sprintf("T0001-PIN-%04d", s.orders), "amount": amount, "cardData": sealed,
		"cardMasked": pan[:6] + "******" + pan[len(pan)-4:]}
	for k, v := range set {
		fields[k] = v
	}
	r := exchange(s.t, s.base, "POST", "/transaction/sale/emv", fxBody(s.t, "gw-sale-emv.request.json", fields),
		"gw-sale-approved.reply.json", "gw-sale-declined.reply.json")
	s.lastMsg = str(r, "errorMessage")
	return str(r, "errorCode")
}

// pinSale is a sale with the PIN p entered.
func (s *issuerSim) pinSale(pan string, amount int64, p string) string {
	s.t.Helper()
	b, k := s.block(p, pan)
	return s.sale(pan, amount, map[string]any{"cvm": "online_pin", "pinBlock": b, "ksn": k})
}

func TestOnlinePINCheck(t *testing.T) {
	s := newIssuerSim(t, nil)
	steps := []struct {
		name, pan, pin, want string
	}{
		{"right PIN approves", visaPAN, cardsim.PIN, "000"},
		{"wrong PIN: incorrect PIN", visaPAN, "4321", "055"},
		{"second wrong PIN", visaPAN, "0000", "055"},
		{"a right PIN resets the tries", visaPAN, cardsim.PIN, "000"},
		{"wrong 1 of 3", visaPAN, "1111", "055"},
		{"another card keeps its own tries", mcPAN, "1111", "055"},
		{"wrong 2 of 3", visaPAN, "2222", "055"},
		{"wrong 3 of 3: tries exceeded", visaPAN, "3333", "075"},
		{"blocked: even the right PIN is refused", visaPAN, cardsim.PIN, "075"},
		{"the other card still pays with its PIN", mcPAN, cardsim.PIN, "000"},
	}
	for _, st := range steps {
		if got := s.pinSale(st.pan, 8000, st.pin); got != st.want {
			t.Fatalf("%s: got %s (%s), want %s", st.name, got, s.lastMsg, st.want)
		}
	}
	// The block and the PIN never reach the simulator's log.
	b, _ := s.block(cardsim.PIN, visaPAN)
	s.sale(mcPAN, 8000, map[string]any{"cvm": "online_pin", "pinBlock": b, "ksn": s.ksn.String()})
	logs := s.logs.String()
	if !strings.Contains(logs, "issuer cardholder rule") {
		t.Fatalf("no issuer log line to check: %q", logs)
	}
	for _, secret := range []string{b, strings.ToUpper(b), visaPAN, mcPAN, "pinBlock"} {
		if strings.Contains(logs, secret) {
			t.Errorf("log holds %q", secret)
		}
	}
}

func TestOnlinePINBadData(t *testing.T) {
	s := newIssuerSim(t, nil)
	good, ksn := s.block(cardsim.PIN, visaPAN)
	otherBDK, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF")
	ik, _ := pin.DeriveInitialKey(otherBDK, s.ksn.InitialKeyID())
	foreign, _ := pin.Format4(ik, s.ksn, pin.AES128, pin.PIN(cardsim.PIN), visaPAN)
	tests := []struct {
		name string
		set  map[string]any
		want string
	}{
		{"block without ksn", map[string]any{"pinBlock": good}, "030"},
		{"ksn without block", map[string]any{"ksn": ksn}, "030"},
		{"block not hex", map[string]any{"pinBlock": "zz" + good[2:], "ksn": ksn}, "030"},
		{"short block", map[string]any{"pinBlock": good[:30], "ksn": ksn}, "030"},
		{"short ksn", map[string]any{"pinBlock": good, "ksn": ksn[:22]}, "030"},
		{"ksn counter zero", map[string]any{"pinBlock": good, "ksn": ksn[:16] + "00000000"}, "030"},
		{"block under another BDK", map[string]any{"pinBlock": hex.EncodeToString(foreign[:]), "ksn": ksn}, "030"},
		{"PIN on an offline forward", map[string]any{"pinBlock": good, "ksn": ksn, "offline": true, "cryptogramType": "TC"}, "030"},
		{"card asked for online PIN, none came", map[string]any{"cvm": "online_pin"}, "077"},
	}
	for _, tt := range tests {
		if got := s.sale(visaPAN, 8000, tt.set); got != tt.want {
			t.Errorf("%s: got %s (%s), want %s", tt.name, got, s.lastMsg, tt.want)
		}
	}
	// None of those counted as a wrong PIN: two wrong ones still leave a try.
	s.pinSale(visaPAN, 8000, "9999")
	s.pinSale(visaPAN, 8000, "9998")
	if got := s.pinSale(visaPAN, 8000, cardsim.PIN); got != "000" {
		t.Errorf("after bad data and two wrong PINs: got %s, want 000", got)
	}
	// A block made for one PAN does not verify on another card: the PAN
	// is in the block (format 4 PAN field).
	b, k := s.block(cardsim.PIN, visaPAN)
	if got := s.sale(mcPAN, 8000, map[string]any{"cvm": "online_pin", "pinBlock": b, "ksn": k}); got == "000" {
		t.Errorf("a block of another PAN approved")
	}
}

// A resent order (lost reply) must not count a wrong PIN twice.
func TestOnlinePINDuplicateOrderNotCounted(t *testing.T) {
	s := newIssuerSim(t, nil)
	b, k := s.block("4321", visaPAN)
	fields := map[string]any{"cvm": "online_pin", "pinBlock": b, "ksn": k, "orderID": "T0001-DUP"}
	if got := s.sale(visaPAN, 8000, fields); got != "055" {
		t.Fatalf("first: got %s", got)
	}
	if got := s.sale(visaPAN, 8000, fields); got != "094" {
		t.Fatalf("resent: got %s, want 094", got)
	}
	s.pinSale(visaPAN, 8000, "4322")
	if got := s.pinSale(visaPAN, 8000, cardsim.PIN); got != "000" {
		t.Errorf("two wrong PINs (one resent): got %s, want 000", got)
	}
}

func TestPSD2SoftDecline(t *testing.T) {
	t.Run("6th consecutive contactless payment", func(t *testing.T) {
		s := newIssuerSim(t, nil)
		for i := range gatewaysim.SCAMaxCount {
			if got := s.sale(visaPAN, 1000, nil); got != "000" {
				t.Fatalf("payment %d: got %s", i+1, got)
			}
		}
		if got := s.sale(visaPAN, 1000, nil); got != "065" {
			t.Fatalf("6th payment: got %s (%s), want 065", got, s.lastMsg)
		}
		// A soft decline is not a payment: asking again without PIN gets it again.
		if got := s.sale(visaPAN, 1000, nil); got != "065" {
			t.Fatalf("6th payment again without PIN: got %s, want 065", got)
		}
		// Other cards have their own counters.
		if got := s.sale(mcPAN, 1000, nil); got != "000" {
			t.Fatalf("other card: got %s", got)
		}
		// The same payment resubmitted with the PIN: approved, counters reset.
		if got := s.pinSale(visaPAN, 1000, cardsim.PIN); got != "000" {
			t.Fatalf("with PIN: got %s", got)
		}
		for i := range gatewaysim.SCAMaxCount {
			if got := s.sale(visaPAN, 1000, nil); got != "000" {
				t.Fatalf("after the PIN, payment %d: got %s", i+1, got)
			}
		}
		if got := s.sale(visaPAN, 1000, nil); got != "065" {
			t.Fatalf("6th after the PIN: got %s", got)
		}
	})
	t.Run("total above 150 EUR", func(t *testing.T) {
		s := newIssuerSim(t, nil)
		for i := range 3 {
			if got := s.sale(mcPAN, 5000, nil); got != "000" {
				t.Fatalf("payment %d of 50,00: got %s", i+1, got)
			}
		}
		// 150,00 exactly is within the exemption; one cent more is not.
		if got := s.sale(mcPAN, 1, nil); got != "065" {
			t.Fatalf("150,01 in total: got %s, want 065", got)
		}
		if got := s.pinSale(mcPAN, 1, cardsim.PIN); got != "000" {
			t.Fatalf("with PIN: got %s", got)
		}
		if got := s.sale(mcPAN, 14999, nil); got != "000" {
			t.Fatalf("149,99 after the PIN: got %s", got)
		}
		if got := s.sale(mcPAN, 2, nil); got != "065" {
			t.Fatalf("150,01 after the PIN: got %s", got)
		}
	})
	t.Run("a single payment above 150 EUR", func(t *testing.T) {
		s := newIssuerSim(t, nil)
		if got := s.sale(visaPAN, 15001, nil); got != "065" {
			t.Fatalf("got %s, want 065", got)
		}
	})
	t.Run("CDCVM is strong authentication", func(t *testing.T) {
		s := newIssuerSim(t, nil)
		for range gatewaysim.SCAMaxCount {
			s.sale(visaPAN, 1000, nil)
		}
		if got := s.sale(visaPAN, 1000, map[string]any{"cvm": "cdcvm"}); got != "000" {
			t.Fatalf("phone payment: got %s", got)
		}
		if got := s.sale(visaPAN, 1000, nil); got != "000" {
			t.Fatalf("after CDCVM: got %s", got)
		}
	})
	t.Run("only contactless online payments", func(t *testing.T) {
		s := newIssuerSim(t, nil)
		for range gatewaysim.SCAMaxCount {
			s.sale(visaPAN, 1000, nil)
		}
		if got := s.sale(visaPAN, 1000, map[string]any{"offline": true, "cryptogramType": "TC"}); got != "000" {
			t.Errorf("offline forward: got %s, want 000 (the card already approved it)", got)
		}
		if got := s.sale(visaPAN, 1000, map[string]any{"entryMode": "manual"}); got != "000" {
			t.Errorf("not contactless: got %s, want 000", got)
		}
		if got := s.sale(visaPAN, 1000, nil); got != "065" {
			t.Errorf("contactless: got %s, want 065", got)
		}
	})
	t.Run("SCA off", func(t *testing.T) {
		s := newIssuerSim(t, &gatewaysim.Opts{DisableSCA: true})
		for i := range 2 * gatewaysim.SCAMaxCount {
			if got := s.sale(visaPAN, 5000, nil); got != "000" {
				t.Fatalf("payment %d: got %s", i+1, got)
			}
		}
	})
}

func TestPINBDKOption(t *testing.T) {
	if _, err := gatewaysim.New(t.TempDir(), &gatewaysim.Opts{PINBDK: []byte{1, 2, 3}, CardKeyBits: 1024, KeyBits: 1024}); err == nil {
		t.Error("a 3-byte BDK accepted")
	}
	other, _ := hex.DecodeString("00112233445566778899AABBCCDDEEFF")
	s := newIssuerSim(t, &gatewaysim.Opts{PINBDK: other})
	ik, _ := pin.DeriveInitialKey(other, s.ksn.InitialKeyID())
	s.ik = ik
	if got := s.pinSale(visaPAN, 8000, cardsim.PIN); got != "000" {
		t.Errorf("PIN under the configured BDK: got %s", got)
	}
}

// TestSimulatorPINFixtures sends the documented PIN sale
// (gw-sale-emv-pin.request.json: PIN 1234 under the test BDK) and checks
// the replies against the PIN reply fixtures.
func TestSimulatorPINFixtures(t *testing.T) {
	s := newIssuerSim(t, nil)
	const fxPAN = "4970100000000014"
	card, _ := json.Marshal(map[string]string{"pan": fxPAN, "expiry": "3012", "panSeq": "01"})
	seal := func() string {
		obj, err := s.enc.Encrypt(card)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := obj.CompactSerialize()
		return c
	}
	send := func(order string, set map[string]any, replies ...string) string {
		set["cardData"], set["orderID"] = seal(), order
		r := exchange(t, s.base, "POST", "/transaction/sale/emv", fxBody(t, "gw-sale-emv-pin.request.json", set), replies...)
		return str(r, "errorCode")
	}
	if got := send("T0001-FX-1", map[string]any{}, "gw-sale-approved.reply.json"); got != "000" {
		t.Fatalf("documented PIN sale: got %s, want 000", got)
	}
	const wrong = "117163107FF98CB7783DA0DDA738AF30" // PIN 4321, same key and fill
	for i, want := range []string{"055", "055", "075"} {
		reply := "gw-sale-incorrect-pin.reply.json"
		if want == "075" {
			reply = "gw-sale-pin-tries-exceeded.reply.json"
		}
		got := send(fmt.Sprintf("T0001-FX-W%d", i), map[string]any{"pinBlock": wrong}, reply, "gw-sale-approved.reply.json")
		if got != want {
			t.Fatalf("wrong PIN %d: got %s, want %s", i+1, got, want)
		}
	}
	for i := range gatewaysim.SCAMaxCount + 1 {
		want := "000"
		if i == gatewaysim.SCAMaxCount {
			want = "065"
		}
		// The card's PIN is blocked now, but a payment without PIN is
		// still subject to the exemption only.
		got := send(fmt.Sprintf("T0001-FX-S%d", i), map[string]any{"pinBlock": nil, "ksn": nil, "cvm": "no_cvm", "amount": 1000},
			"gw-sale-soft-decline.reply.json", "gw-sale-approved.reply.json")
		if got != want {
			t.Fatalf("no-PIN payment %d after the PIN: got %s, want %s", i+1, got, want)
		}
	}
}
