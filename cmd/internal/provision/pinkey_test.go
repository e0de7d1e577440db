package provision

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/offline"
	"tpe/payment/pin"
)

const injection = `# key injection facility, batch 7
initial_key_id = 1234567890123456
initial_key    = 1273671EA26AC29AFA4D1084127652A1
`

func TestParseKeyInjection(t *testing.T) {
	k, err := ParseKeyInjection([]byte(injection))
	if err != nil {
		t.Fatal(err)
	}
	if k.InitialKeyID != [8]byte{0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56} || len(k.InitialKey) != 16 || k.InitialKey[0] != 0x12 {
		t.Fatalf("got %X %d bytes", k.InitialKeyID, len(k.InitialKey))
	}
	bad := map[string]string{
		"missing key":   "initial_key_id = 1234567890123456\n",
		"missing id":    "initial_key = 1273671EA26AC29AFA4D1084127652A1\n",
		"short id":      "initial_key_id = 1234\ninitial_key = 1273671EA26AC29AFA4D1084127652A1\n",
		"3DES length":   "initial_key_id = 1234567890123456\ninitial_key = 1273671EA26AC29AFA4D1084127652A11273671EA26AC29A\n",
		"not hex":       "initial_key_id = 123456789012345G\ninitial_key = 1273671EA26AC29AFA4D1084127652A1\n",
		"twice":         injection + "initial_key = 1273671EA26AC29AFA4D1084127652A1\n",
		"unknown field": injection + "bdk = FEDCBA9876543210F1F1F1F1F1F1F1F1\n",
		"no equals":     injection + "initial_key\n",
	}
	for name, text := range bad {
		_, err := ParseKeyInjection([]byte(text))
		if !errors.Is(err, ErrKeyInjection) {
			t.Errorf("%s: %v, want ErrKeyInjection", name, err)
		} else if strings.Contains(strings.ToUpper(err.Error()), "1273671E") {
			t.Errorf("%s: the error shows key bytes: %v", name, err)
		}
	}
}

func FuzzParseKeyInjection(f *testing.F) {
	f.Add([]byte(injection))
	f.Add([]byte("initial_key_id=0000000000000000\ninitial_key=" + strings.Repeat("00", 32)))
	f.Add([]byte("= \n#\n\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyInjection(b)
		if err == nil && len(k.InitialKey) != 16 && len(k.InitialKey) != 32 {
			t.Fatalf("accepted a %d-byte key", len(k.InitialKey))
		}
		if err != nil && !errors.Is(err, ErrKeyInjection) {
			t.Fatalf("error %v does not match ErrKeyInjection", err)
		}
	})
}

func TestProvisionInjectsPINKey(t *testing.T) {
	root := t.TempDir()
	req := request(t, root)
	k, _ := ParseKeyInjection([]byte(injection))
	req.PINKey = &k
	res, err := Run(req)
	if err != nil {
		t.Fatal(err)
	}
	sealedRel := "etc/tpe/private/" + offline.PINKeyFileName
	found := false
	for _, c := range res.Changed {
		found = found || c == sealedRel
	}
	sealed, err := os.ReadFile(filepath.Join(root, sealedRel))
	if !found || err != nil || bytes.Contains(sealed, k.InitialKey) {
		t.Fatalf("changed %v, read %v, key in clear %v", res.Changed, err, bytes.Contains(sealed, k.InitialKey))
	}
	// The terminal opens it with its device key and enciphers a PIN.
	keyFile := filepath.Join(root, deviceKey)
	st, err := offline.Open(filepath.Join(t.TempDir(), "j.db"), &offline.Opts{KeyFile: keyFile, PINKeyFile: offline.PINKeyPath(keyFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	b, err := st.EncipherPIN(context.Background(), pin.PIN("1234"), "4761739001010010")
	if err != nil || pin.KSN(b.KSN).String() != "123456789012345600000001" {
		t.Fatalf("KSN %X %v", b.KSN, err)
	}
	// With the standard's test BDK, 1273671E… is the initial key of that
	// initial key ID (X9.24-3-2017 test vectors): the issuer's side agrees.
	bdk := pin.Key{0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1, 0xF1}
	ik, _ := pin.DeriveInitialKey(bdk, k.InitialKeyID)
	pk, _ := pin.DerivePINKey(ik, pin.KSN(b.KSN), pin.AES128)
	if got, err := pin.DecipherFormat4(pk, b.Block.Reveal(), "4761739001010010"); err != nil || string(got) != "1234" {
		t.Fatalf("deciphered %v", err)
	}
}
