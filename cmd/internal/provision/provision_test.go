package provision

import (
	"bytes"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"tpe/cmd/internal/bundle"
	"tpe/config"
	"tpe/offline"
)

// deviceKey is where provisioning puts the device key, relative to the root.
const deviceKey = "etc/tpe/private/device.key"

func request(t *testing.T, root string) Request {
	c := config.SimDefaults("/var/lib/tpe")
	c.Terminal.ID = "T0000042"
	c.Gateway.URL = "https://gw.example.com"
	c.Gateway.ClientSecret = "s3cret-from-acquirer"
	c.Offline.KeyFile = config.DefaultKeyFile
	pub, _, _ := bundle.GenerateKey()
	pem, _ := bundle.EncodePublic(pub)
	trust := filepath.Join(t.TempDir(), "release.pub")
	os.WriteFile(trust, pem, 0o644)
	return Request{Root: root, Config: c, Trust: []string{trust}}
}

func snapshot(t *testing.T, root string) map[string]string {
	out := map[string]string{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			fi, _ := d.Info()
			out[p] = fi.Mode().String() + string(b)
		}
		return nil
	})
	return out
}

func TestProvisionTwice(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	res, err := Run(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{ConfigPath, deviceKey, TerminalKey, TerminalPub, QRPath}
	for _, w := range want {
		if !contains(res.Changed, w) {
			t.Errorf("first run did not write %s (wrote %v)", w, res.Changed)
		}
	}
	before := snapshot(t, root)
	res2, err := Run(req)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if len(res2.Changed) != 0 {
		t.Fatalf("second run changed %v, want nothing", res2.Changed)
	}
	if !reflect.DeepEqual(before, snapshot(t, root)) {
		t.Fatal("second run changed files")
	}
	if !bytes.Equal(res.PublicKey, res2.PublicKey) {
		t.Fatal("public key changed")
	}

	// Modes and contents.
	for p, mode := range map[string]os.FileMode{deviceKey: 0o600, filepath.Dir(deviceKey): 0o700 | os.ModeDir, TerminalKey: 0o600, ConfigPath: 0o640} {
		fi, err := os.Stat(filepath.Join(root, p))
		if err != nil || fi.Mode()&(os.ModePerm|os.ModeDir) != mode {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode(), err, mode)
		}
	}
	got, err := config.Load(filepath.Join(root, ConfigPath))
	wantCfg := req.Config
	wantCfg.API.Token = got.API.Token // generated: TestToken
	if err != nil || !reflect.DeepEqual(got, wantCfg) {
		t.Fatalf("config round trip: %v", err)
	}
	if !res.TokenCreated || res2.TokenCreated {
		t.Errorf("TokenCreated: first run %v, second %v; want true, false", res.TokenCreated, res2.TokenCreated)
	}
	keys, err := bundle.LoadTrusted(filepath.Join(root, bundle.TrustedDir))
	if err != nil || len(keys) != 1 {
		t.Fatalf("trusted keys: %v %v", keys, err)
	}
	// The device key opens a journal (the offline package's own format).
	data := filepath.Join(root, "var/lib/tpe")
	if _, err := os.Stat(filepath.Join(data, offline.KeyName)); err == nil {
		t.Error("a device key in the data directory")
	}
	st, err := offline.Open(filepath.Join(data, offline.FileName), &offline.Opts{KeyFile: filepath.Join(root, deviceKey)})
	if err != nil {
		t.Fatalf("journal with the provisioned key: %v", err)
	}
	st.Close()
	// The QR decodes to the terminal ID.
	f, _ := os.Open(filepath.Join(root, QRPath))
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	r, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || r.GetText() != "T0000042" {
		t.Fatalf("QR: got %v %v, want T0000042", r, err)
	}
}

func TestRefusesOverwriteWithoutForce(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	if _, err := Run(req); err != nil {
		t.Fatal(err)
	}
	key0, _ := os.ReadFile(filepath.Join(root, deviceKey))
	tk0, _ := os.ReadFile(filepath.Join(root, TerminalKey))
	req.Config.Terminal.ID = "T0000099"
	before := snapshot(t, root)
	_, err := Run(req)
	if !errors.Is(err, ErrProvisioned) || !strings.Contains(err.Error(), "T0000042") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("got %v, want ErrProvisioned naming the current terminal and --force", err)
	}
	if !reflect.DeepEqual(before, snapshot(t, root)) {
		t.Fatal("a refused run changed files")
	}
	req.Force = true
	res, err := Run(req)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(res.Changed, ConfigPath) || !contains(res.Changed, QRPath) || contains(res.Changed, TerminalKey) {
		t.Fatalf("forced run changed %v", res.Changed)
	}
	if res.TokenCreated {
		t.Error("--force replaced the API token the cash registers have")
	}
	key1, _ := os.ReadFile(filepath.Join(root, deviceKey))
	tk1, _ := os.ReadFile(filepath.Join(root, TerminalKey))
	if !bytes.Equal(key0, key1) || !bytes.Equal(tk0, tk1) {
		t.Fatal("--force replaced a key")
	}
}

func TestInvalidConfigWritesNothing(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	req.Config.Terminal.ID = "bad id"
	req.Config.Terminal.MerchantID = ""
	_, err := Run(req)
	if err == nil || !strings.Contains(err.Error(), "terminal.id") || !strings.Contains(err.Error(), "terminal.merchant_id") {
		t.Fatalf("got %v, want both problems with their keys", err)
	}
	if s := snapshot(t, root); len(s) != 0 {
		t.Fatalf("wrote %v", s)
	}
	req = request(t, root)
	req.Trust = []string{filepath.Join(root, "missing.pub")}
	if _, err := Run(req); err == nil {
		t.Fatal("missing trust key accepted")
	}
	if s := snapshot(t, root); len(s) != 0 {
		t.Fatalf("wrote %v", s)
	}
}

// TestKeyInsideDataDirRefused: a device key configured inside the data
// directory is refused before anything is written.
func TestKeyInsideDataDirRefused(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	req.Config.Offline.KeyFile = "/var/lib/tpe/device.key"
	_, err := Run(req)
	if err == nil || !strings.Contains(err.Error(), "offline.key_file") || !strings.Contains(err.Error(), "inside data_dir") {
		t.Fatalf("got %v, want offline.key_file refused as inside data_dir", err)
	}
	if s := snapshot(t, root); len(s) != 0 {
		t.Fatalf("wrote %v", s)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
