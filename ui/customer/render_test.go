package customer

import (
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"tpe/payment"
)

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR does not decode: %v", err)
	}
	return res.GetText()
}

func TestQRDecodes(t *testing.T) {
	payloads := []string{
		"https://qr.alipay.com/bax03070lgsbxpqdytk9006d",
		"https://global.alipay.com/281002040098Kp3MqRzH8eLq5fV1d2Xw7YtNcB0aUiOj",
		"X",
	}
	for _, p := range payloads {
		for _, sz := range []image.Point{{240, 320}, {240, 240}, {320, 240}, {135, 240}} {
			for _, lang := range []string{"fr", "en"} {
				f := Frame{Screen: QR, Lang: lang, QRPayload: p, Amount: payment.Amount{Minor: 123456, Currency: "EUR"},
					Wallets: []string{"Alipay", "GCash", "Kakao Pay"}, Remaining: 90 * time.Second}
				if got := decodeQR(t, Render(f, sz)); got != p {
					t.Errorf("%v %s: decoded %q, want %q", sz, lang, got, p)
				}
			}
		}
	}
}

// TestQRModules checks the code is drawn with whole-pixel modules of at
// least 4 pixels on the shipped panels, with a white quiet zone.
func TestQRModules(t *testing.T) {
	f := Frame{Screen: QR, QRPayload: "https://qr.alipay.com/bax03070lgsbxpqdytk9006d", Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Remaining: time.Minute}
	for _, sz := range []image.Point{{240, 320}, {240, 240}} {
		img := Render(f, sz)
		// The finder pattern's top-left corner is the first black pixel of
		// the first row holding one; its run length is 7 modules.
		for y := 0; y < sz.Y; y++ {
			x0, run := -1, 0
			for x := 0; x < sz.X; x++ {
				if img.RGBAAt(x, y) == (color.RGBA{0, 0, 0, 0xFF}) {
					if x0 < 0 {
						x0 = x
					}
					if x == x0+run {
						run++
					}
				}
			}
			if x0 < 0 {
				continue
			}
			if run%7 != 0 || run/7 < 4 {
				t.Fatalf("%v: finder run %d px, want 7 modules of ≥ 4 px", sz, run)
			}
			mod := run / 7
			for dy := 1; dy <= 4*mod; dy++ {
				for x := x0 - 4*mod; x < x0+run; x++ {
					if c := img.RGBAAt(x, y-dy); c != (color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}) {
						t.Fatalf("%v: quiet zone not white at %d,%d: %v", sz, x, y-dy, c)
					}
				}
			}
			break
		}
	}
}

func TestQRUnavailable(t *testing.T) {
	long := strings.Repeat("9", 8000) // beyond QR version 40
	for _, p := range []string{"", long} {
		img := Render(Frame{Screen: QR, QRPayload: p}, image.Pt(240, 320))
		bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
		if _, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil); err == nil {
			t.Errorf("payload of %d bytes: a code was drawn", len(p))
		}
	}
}

// TestScreensDiffer guards against a screen silently falling back to
// another: every screen, language and decline reason draws its own image.
func TestScreensDiffer(t *testing.T) {
	seen := map[string]string{}
	add := func(name string, f Frame) {
		img := Render(f, image.Pt(240, 320))
		if img.Bounds() != image.Rect(0, 0, 240, 320) {
			t.Fatalf("%s: bounds %v", name, img.Bounds())
		}
		k := string(img.Pix)
		if other, ok := seen[k]; ok {
			t.Errorf("%s draws the same image as %s", name, other)
		}
		seen[k] = name
	}
	for _, lang := range []string{"fr", "en"} {
		for _, f := range samples(lang) {
			add(f.Screen.String()+"/"+lang, f)
		}
		for r := ReasonDeclined; r <= ReasonError; r++ {
			if r == ReasonInsufficientFunds {
				continue // in samples
			}
			add("declined/"+r.String()+"/"+lang, Frame{Screen: Declined, Lang: lang, Reason: r, Amount: payment.Amount{Minor: 1250, Currency: "EUR"}})
		}
	}
}

func TestAnySize(t *testing.T) {
	for _, sz := range []image.Point{{1, 1}, {64, 32}, {128, 64}, {96, 96}, {135, 240}, {320, 240}, {480, 800}} {
		for _, lang := range []string{"fr", "en"} {
			for _, f := range samples(lang) {
				img := Render(f, sz)
				if img.Bounds() != image.Rect(0, 0, sz.X, sz.Y) {
					t.Errorf("%v %s: got %v", sz, f.Screen, img.Bounds())
				}
			}
		}
	}
}

func TestAmountText(t *testing.T) {
	c := newCanvas(image.Pt(240, 320), white)
	for _, tc := range []struct {
		a    payment.Amount
		lang string
		want string
	}{
		{payment.Amount{Minor: 1250, Currency: "EUR"}, "fr", "12,50\u00a0€"},
		{payment.Amount{Minor: 1250, Currency: "EUR"}, "en", "€12.50"},
		{payment.Amount{Minor: 123456789, Currency: "EUR"}, "fr", "1\u00a0234\u00a0567,89\u00a0€"},
		{payment.Amount{Minor: 12500, Currency: "KRW"}, "fr", "12\u00a0500\u00a0KRW"}, // no ₩ in the Go fonts
		{payment.Amount{Minor: 12500, Currency: "KRW"}, "en", "KRW\u00a012,500"},
		{payment.Amount{Minor: 199, Currency: "THB"}, "en", "THB\u00a01.99"},
		{payment.Amount{}, "fr", ""},
	} {
		if got := c.amount(Frame{Amount: tc.a, Lang: tc.lang}, bold, 40); got != tc.want {
			t.Errorf("%v %s: got %q, want %q", tc.a, tc.lang, got, tc.want)
		}
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"jean.dupont@example.com": "j•••@example.com",
		"élodie@exemple.fr":       "é•••@exemple.fr",
		"@x":                      "",
		"nobody":                  "",
	} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountdown(t *testing.T) {
	for d, want := range map[time.Duration]string{
		272 * time.Second:  "4:32",
		time.Millisecond:   "0:01",
		59*time.Second + 1: "1:00",
		10 * time.Minute:   "10:00",
		0:                  "0:00",
	} {
		if got := countdown(d); got != want {
			t.Errorf("countdown(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParse(t *testing.T) {
	for _, s := range Screens() {
		got, err := ParseScreen(s.String())
		if err != nil || got != s {
			t.Errorf("ParseScreen(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseScreen("nope"); !errors.Is(err, ErrUnknownScreen) {
		t.Errorf("got %v, want ErrUnknownScreen", err)
	}
	if r, err := ParseReason("insufficient-funds"); err != nil || r != ReasonInsufficientFunds {
		t.Errorf("ParseReason: %v, %v", r, err)
	}
	if _, err := ParseReason("nope"); !errors.Is(err, ErrUnknownReason) {
		t.Errorf("got %v, want ErrUnknownReason", err)
	}
}

// BenchmarkQRFrame builds the Alipay+ frame for a 240×320 panel; budget
// 10 ms (ARCHITECTURE.md §7).
func BenchmarkQRFrame(b *testing.B) {
	f := Frame{Screen: QR, Lang: "fr", Merchant: "Boulangerie du Port", Amount: payment.Amount{Minor: 1250, Currency: "EUR"},
		QRPayload: "https://qr.alipay.com/bax03070lgsbxpqdytk9006d", Wallets: []string{"Alipay", "GCash", "Kakao Pay", "Touch 'n Go"},
		Remaining: 272 * time.Second}
	Render(f, image.Pt(240, 320)) // parse the fonts once, as a running terminal has
	for b.Loop() {
		Render(f, image.Pt(240, 320))
	}
}
