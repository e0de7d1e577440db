package diag

import (
	"context"
	"encoding/pem"
	"fmt"
	"image"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"periph.io/x/conn/v3/gpio"

	"tpe/config"
	devsim "tpe/device/sim"
	"tpe/offline"
	"tpe/payment"
	"tpe/payment/emv/cardsim"
	"tpe/payment/gateway/gatewaysim"
)

// Faults the simulator can inject, one name each, so that every check can be
// seen failing (`tpectl diag --sim --sim-fail NAME`).
var Faults = []string{"nfc", "printer", "display", "scanner", "gateway", "token", "clock", "disk", "journal", "queue"}

// SimOpts configures Sim.
type SimOpts struct {
	// Fail lists faults to inject (see Faults).
	Fail []string
	// Dir holds the simulator's files; default a new temporary directory,
	// removed by the closer.
	Dir    string
	Logger *slog.Logger
}

// Sim builds a Suite on the emulated terminal of device/sim (PN532 on a PTY,
// ESC/POS printer on a PTY, ST7789 on a fake SPI bus, serial scanner on a
// PTY), a gateway simulator on loopback TLS and a journal in a temporary
// directory. The returned function releases everything.
func Sim(ctx context.Context, o SimOpts) (Suite, func(), error) {
	fail := map[string]bool{}
	for _, f := range o.Fail {
		ok := false
		for _, k := range Faults {
			ok = ok || k == f
		}
		if !ok {
			return Suite{}, nil, fmt.Errorf("%w %q; use one of %v", ErrUnknownFault, f, Faults)
		}
		fail[f] = true
	}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "tpe-diag-sim-")
		if err != nil {
			return Suite{}, nil, err
		}
		dir = d
		closers = append(closers, func() { os.RemoveAll(d) })
	}
	bad := func(err error) (Suite, func(), error) {
		closeAll()
		return Suite{}, nil, err
	}
	var s Suite

	n, err := devsim.NewNFC(ctx, nil)
	if err != nil {
		return bad(err)
	}
	closers = append(closers, func() { n.Close() })
	if fail["nfc"] {
		n.Chip().SetSilent(true) // unplugged reader
	}
	s.NFC = &NFC{Reader: n.Reader(), Where: "emulated PN532 on " + n.PTYName(), CardWait: 5 * time.Second,
		Firmware: func(ctx context.Context) (string, error) {
			fw, err := n.Dev().FirmwareVersion(ctx)
			return fw.String(), err
		},
		Field: n.Dev().RFField,
		Tap: func(context.Context) error {
			card, err := cardsim.New("visa-credit")
			if err != nil {
				return err
			}
			n.Present(card)
			return nil
		}}

	p, err := devsim.NewPrinter(&devsim.PrinterOpts{Width: 58})
	if err != nil {
		return bad(err)
	}
	closers = append(closers, func() { p.Close() })
	if fail["printer"] {
		p.PaperOut(true)
	}
	code := fmt.Sprintf("TPE-DIAG-%d", time.Now().UnixNano()%1_000_000)
	s.Printer = &Printer{Printer: p, TestPage: true, TestCode: code, Where: "emulated printer on " + p.Name()}

	d, err := devsim.NewDisplay(nil)
	if err != nil {
		return bad(err)
	}
	closers = append(closers, func() { d.Halt() })
	if fail["display"] {
		// A broken backlight wire: the glass stays dark whatever is sent.
		if err := d.Ready(ctx); err != nil {
			return bad(err)
		}
		d.Controller().Backlight().Out(gpio.Low)
	}
	s.Display = &Display{Screen: d, Where: "emulated ST7789", Verify: func(want image.Image) error {
		return sameImage(d.Snapshot(), want)
	}}

	sc, err := devsim.NewScanner(nil)
	if err != nil {
		return bad(err)
	}
	closers = append(closers, func() { sc.Close() })
	if fail["scanner"] {
		sc.Unplug()
	}
	s.Scanner = &Scanner{Scanner: sc.Scanner(), Code: code, Wait: 5 * time.Second, Where: sc.PTYName(),
		Feed: func(ctx context.Context) error { return sc.ScanWhenAsked(ctx, code) }}

	gs, err := gatewaysim.New(filepath.Join(dir, "gateway"), &gatewaysim.Opts{
		Clients: map[string]string{"tpe-sim": "tpe-sim-secret"}, KeyBits: 1024, CardKeyBits: 1024, Logger: o.Logger})
	if err != nil {
		return bad(err)
	}
	closers = append(closers, func() { gs.Close() })
	srv := httptest.NewUnstartedServer(gs)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // probes close without a request
	srv.StartTLS()
	closers = append(closers, srv.Close)
	ca := filepath.Join(dir, "gateway-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644); err != nil {
		return bad(err)
	}
	secret := "tpe-sim-secret"
	if fail["token"] {
		secret = "wrong-secret"
	}
	s.Gateway = &Gateway{URL: srv.URL, ClientID: "tpe-sim", ClientSecret: secret, CAFile: ca, Timeout: 10 * time.Second}
	if fail["gateway"] {
		srv.Close() // the shop's network is down
	}

	now := time.Now
	if fail["clock"] {
		now = func() time.Time { return time.Now().Add(-47 * time.Minute) }
	}
	s.Clock = &Clock{Now: now, Reference: s.Gateway.Date}
	s.Disk = &Disk{Path: dir}
	if fail["disk"] {
		s.Disk.MinFree = 1 << 62 // as if the card were full
	}

	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	j := &Journal{Path: filepath.Join(data, offline.FileName), KeyFile: config.SimKeyFile(data), MaxAge: 72 * time.Hour}
	os.MkdirAll(filepath.Dir(j.KeyFile), 0o700)
	st, err := offline.Open(j.Path, &offline.Opts{KeyFile: j.KeyFile, CreateKey: true})
	if err != nil {
		return bad(err)
	}
	if fail["queue"] {
		if err := queueOld(ctx, st, time.Now().Add(-80*time.Hour)); err != nil {
			st.Close()
			return bad(err)
		}
	}
	st.Close()
	if fail["journal"] {
		// Damage the journal's pages past the header, as a bad SD card does.
		f, err := os.OpenFile(j.Path, os.O_WRONLY, 0)
		if err != nil {
			return bad(err)
		}
		fi, _ := f.Stat()
		junk := make([]byte, max(0, fi.Size()-2*4096))
		for i := range junk {
			junk[i] = 0xA5
		}
		f.WriteAt(junk, 2*4096)
		f.Close()
	}
	s.Journal = j
	return s, closeAll, nil
}

// queueOld records one offline approval taken at at.
func queueOld(ctx context.Context, st *offline.Store, at time.Time) error {
	tx := &payment.Transaction{ID: "pay_diag_1", OrderID: "DIAG-1", Method: payment.MethodCard, State: payment.StateCreated,
		Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Policy: payment.PreferOnline, Batch: 1,
		CreatedAt: at, UpdatedAt: at, History: []payment.Step{{State: payment.StateCreated, At: at}}}
	if err := st.Save(ctx, tx); err != nil {
		return err
	}
	for _, s := range []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved} {
		if s == payment.StateOfflineApproved {
			tx.Offline = true
		}
		if err := tx.Transition(s, tx.UpdatedAt.Add(time.Second), ""); err != nil {
			return err
		}
		if err := st.Save(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// sameImage compares at RGB565 precision (what the panel stores).
func sameImage(got, want image.Image) error {
	if got.Bounds() != want.Bounds() {
		return fmt.Errorf("the glass is %v, the pattern %v", got.Bounds(), want.Bounds())
	}
	bad := 0
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := got.At(x, y).RGBA()
			r2, g2, b2, _ := want.At(x, y).RGBA()
			if r1>>11 != r2>>11 || g1>>10 != g2>>10 || b1>>11 != b2>>11 {
				bad++
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d pixels on the glass differ from the pattern", bad, b.Dx()*b.Dy())
	}
	return nil
}
