package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"tpe/device/sim"
	"tpe/drivers/ssd1306"
	"tpe/drivers/ssd1306/ssd1306sim"
	"tpe/drivers/st7789"
	"tpe/payment"
	"tpe/ui/customer"
)

// runDisplay renders customer-display screens through the real st7789
// driver into the st7789sim emulator and writes the emulated glass as PNG:
//
//	tpectl display test --screen qr --amount 1250 --lang fr --out qr.png
//	tpectl display test --screen all --merchant "Boulangerie du Port" --out DIR
//
// With --screen all, --out is a directory and every screen is written in
// French and English as SCREEN-LANG-WxH.png.
func runDisplay(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"test", "--help"}
	}
	if len(args) == 0 || args[0] != "test" {
		return usagef("missing subcommand: test")
	}
	fs := newTechFlags("display test", stdout)
	fs.about("display test --screen NAME|all --out FILE.png|DIR [flags]", `
Renders a customer-display screen through the real display driver into the
emulated panel (ST7789 on SPI, or SSD1306 on I2C for the 128x64 and 128x32
sizes) and writes what the glass shows as PNG. With --screen all, --out is a
directory and every screen is written in French and English as
SCREEN-LANG-WxH.png.`,
		"tpectl display test --screen qr --amount 1250 --lang fr --out qr.png",
		"tpectl display test --screen all --merchant \"Boulangerie du Port\" --out screens/")
	screens := append(screenNames(), "all")
	screen := fs.String("screen", "", "screen to render: "+strings.Join(screens, ", ")+" (required)")
	amount := fs.Int64("amount", 1250, "amount in minor units")
	currency := fs.String("currency", "EUR", "ISO 4217 currency code: "+strings.Join(knownCurrencies(), ", "))
	lang := fs.String("lang", "fr", "language: fr or en")
	payload := fs.String("payload", "https://qr.alipay.com/bax03070lgsbxpqdytk9006d", "QR payload (qr screen)")
	merchant := fs.String("merchant", "", "merchant name shown on the screens")
	reason := fs.String("reason", "declined", "decline reason (declined screen): "+strings.Join(reasonNames(), ", "))
	wallets := fs.String("wallets", "Alipay,GCash,Kakao Pay,Touch 'n Go,TrueMoney", "comma-separated wallet names (qr screen)")
	remaining := fs.Duration("remaining", 4*time.Minute+32*time.Second, "time left on the QR code (qr screen)")
	email := fs.String("email", "jean.dupont@example.com", "address the link went to (link-sent screen)")
	size := fs.String("size", "240x320", "panel: "+strings.Join(panelSizes, ", ")+" (the last two are SSD1306 OLEDs)")
	rotation := fs.Int("rotation", 0, "panel rotation in degrees: 0, 90, 180 or 270")
	out := fs.String("out", "", "PNG file to write, a directory with --screen all (required)")
	if pos, err := fs.parse(args[1:]); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("display test takes no arguments, got %q", pos)
	}
	if *screen == "" || *out == "" {
		return usagef("--screen and --out are required")
	}
	if err := oneOf("screen", *screen, screens...); err != nil {
		return err
	}
	if err := oneOf("lang", *lang, "fr", "en"); err != nil {
		return err
	}
	if err := oneOf("size", *size, panelSizes...); err != nil {
		return err
	}
	if err := oneOfInt("rotation", *rotation, 0, 90, 180, 270); err != nil {
		return err
	}
	if err := oneOf("reason", *reason, reasonNames()...); err != nil {
		return err
	}
	if err := oneOf("currency", strings.ToUpper(*currency), knownCurrencies()...); err != nil {
		return err
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return usagef("--size %q: want WIDTHxHEIGHT", *size)
	}
	amt, err := payment.NewAmount(*amount, strings.ToUpper(*currency))
	if err != nil {
		return usagef("%v", err)
	}
	r, err := customer.ParseReason(*reason)
	if err != nil {
		return usagef("%v", err)
	}
	var ws []string
	for _, s := range strings.Split(*wallets, ",") {
		if s = strings.TrimSpace(s); s != "" {
			ws = append(ws, s)
		}
	}
	base := customer.Frame{Lang: *lang, Amount: amt, Merchant: *merchant, Reason: r,
		QRPayload: *payload, Wallets: ws, Remaining: *remaining, Email: *email}
	dopts := &sim.DisplayOpts{Width: w, Height: h, Rotation: st7789.Rotation(*rotation)}

	if *screen != "all" {
		s, err := customer.ParseScreen(*screen)
		if err != nil {
			return usagef("%v", err)
		}
		base.Screen = s
		return renderToFile(ctx, base, dopts, *out, stdout)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, l := range []string{"fr", "en"} {
		for _, s := range customer.Screens() {
			f := base
			f.Screen, f.Lang = s, l
			name := filepath.Join(*out, fmt.Sprintf("%s-%s-%dx%d.png", s, l, w, h))
			if err := renderToFile(ctx, f, dopts, name, stdout); err != nil {
				return err
			}
		}
	}
	return nil
}

// panelSizes are the customer displays the emulators model: ST7789 TFTs
// (device/sim.NewDisplay) and SSD1306 OLEDs.
var panelSizes = []string{"240x320", "240x240", "135x240", "128x64", "128x32"}

func screenNames() []string {
	var names []string
	for _, s := range customer.Screens() {
		names = append(names, s.String())
	}
	return names
}

// reasonNames lists the decline reasons by name: every Reason from 0 on
// whose name parses back (past the last one, String answers "reason(N)").
func reasonNames() []string {
	var names []string
	for r := customer.Reason(0); ; r++ {
		if _, err := customer.ParseReason(r.String()); err != nil {
			return names
		}
		names = append(names, r.String())
	}
}

// renderToFile shows f on a fresh emulated panel and writes what the glass
// shows.
func renderToFile(ctx context.Context, f customer.Frame, o *sim.DisplayOpts, path string, stdout io.Writer) error {
	if o.Width == 128 && (o.Height == 64 || o.Height == 32) {
		return renderOLED(ctx, f, o, path, stdout)
	}
	d, err := sim.NewDisplay(o)
	if err != nil {
		return usagef("%v", err)
	}
	if err := d.Ready(ctx); err != nil {
		return err
	}
	d.Controller().ResetStats()
	img := customer.Render(f, d.Bounds().Size())
	if err := d.Show(ctx, img); err != nil {
		return err
	}
	st := d.Stats()
	if v := d.Violations(); len(v) > 0 {
		return fmt.Errorf("display: driver broke the datasheet: %v", v[0])
	}
	png, err := d.PNG()
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s %s, %dx%d, %d SPI bytes in %d transfers\n", path, f.Screen, f.Lang, d.Bounds().Dx(), d.Bounds().Dy(), st.Bytes, st.Transfers)
	return d.Halt()
}

// renderOLED is renderToFile for the SSD1306 monochrome modules, on I²C.
func renderOLED(ctx context.Context, f customer.Frame, o *sim.DisplayOpts, path string, stdout io.Writer) error {
	c := ssd1306sim.New(&ssd1306sim.Opts{Width: o.Width, Height: o.Height})
	d, err := ssd1306.NewI2C(c, 0x3C, &ssd1306.Opts{Width: o.Width, Height: o.Height, Rotated: o.Rotation == st7789.Rot180})
	if err != nil {
		return err
	}
	c.ResetStats()
	if err := d.Show(ctx, customer.Render(f, d.Bounds().Size())); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := c.WritePNG(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s %s, %dx%d ssd1306, %d I2C bytes\n", path, f.Screen, f.Lang, o.Width, o.Height, c.Stats().Bytes)
	return d.Halt()
}
