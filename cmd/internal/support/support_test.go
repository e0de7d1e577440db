package support

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tpe/config"
)

const (
	testPAN    = "4111111111111111"
	testSecret = "s3cret-client-value-XYZ"
	testToken  = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0MSJ9.c2lnbmF0dXJlLWJ5dGVz"
	apiToken   = "local-api-token-0123456789abcdef"
	// supervisorToken has no secret-looking shape: only MaskConfig hides it.
	supervisorToken = "Ab3dEf6hIj9lMn2pQr5tUv8x"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, mustNot string }{
		{"card " + testPAN + " read", testPAN},
		{"card 4111 1111 1111 1111 read", "4111 1111 1111 1111"},
		{"card 4111-1111-1111-1111 read", "1111-1111-1111"},
		{"track2 ;4111111111111111=25121010000012300000?", "=2512101"},
		{"Authorization: Bearer abc.def-ghi_123", "abc.def-ghi_123"},
		{"id_token=" + testToken, "eyJhbGci"},
		{`{"client_secret":"` + testSecret + `"}`, testSecret},
		{"password = hunter2", "hunter2"},
		{"key=00112233445566778899aabbccddeeff00112233", "00112233445566778899aabb"},
		{"alipay code 281234567890123456 scanned", "2812345678901"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if strings.Contains(got, tt.mustNot) {
			t.Errorf("Redact(%q) = %q, still holds %q", tt.in, got, tt.mustNot)
		}
	}
	for _, keep := range []string{
		"sale approved amount_minor=1250 txn_id=pay_000042 at 12:30",
		"company=Acme shipping=express ping=ok url=https://gw.example.com/v1/health",
		`password = ""`,
		// The API's error IDs (ui/api: "err-" and ten consonants), which a
		// cash register's user quotes to find the line.
		`level=ERROR msg="api request failed" method=GET path=/v1/payments/pay_7 status=500 code=internal error_id=err-bcdfghjkmn err="journal: boom"`,
		`{"level":"ERROR","msg":"api request failed","status":502,"code":"gateway_unavailable","error_id":"err-pqrstvwxzb"}`,
	} {
		if got := Redact(keep); got != keep {
			t.Errorf("ordinary line changed: %q → %q", keep, got)
		}
	}
	for in, want := range map[string]string{
		`api_key: abc123, next=1`:         `api_key: <redacted>, next=1`,
		`{"pin":"1234","amount":1250}`:    `{"pin":"<redacted>","amount":1250}`,
		`client_secret = "s3cr3t"`:        `client_secret = "<redacted>"`,
		"GET / Authorization: Bearer xyz": "GET / Authorization: <redacted> <redacted>",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Redact("card " + testPAN); !strings.Contains(got, "1111>") {
		t.Errorf("last four digits lost: %q", got)
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("card " + testPAN + " Bearer x.y.z")
	f.Add(`{"token":"` + testToken + `"}`)
	f.Fuzz(func(t *testing.T, s string) {
		out := Redact(s)
		// No 12-digit run survives, whatever the input.
		if digitRun.MatchString(out) {
			t.Fatalf("Redact(%q) = %q keeps a long digit run", s, out)
		}
	})
}

func TestExportNeverLeaks(t *testing.T) {
	root := t.TempDir()
	c := config.SimDefaults("/var/lib/tpe")
	c.Terminal.ID = "T0000042"
	c.Gateway.URL = "https://gw.example.com"
	c.Gateway.ClientSecret = testSecret
	c.API.Token = apiToken
	c.API.SupervisorToken = supervisorToken
	c.Log.File = "/var/log/tpe/tpe.log"
	b, _ := config.Format(c)
	os.MkdirAll(filepath.Join(root, "etc/tpe"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/tpe/tpe.toml"), b, 0o600)
	os.MkdirAll(filepath.Join(root, LogDir), 0o755)
	log := strings.Join([]string{
		"time=2026-11-26T09:00:00Z level=INFO msg=\"sale\" txn_id=pay_1 amount_minor=1250",
		"time=2026-11-26T09:00:01Z level=DEBUG msg=\"raw apdu\" data=" + testPAN,
		"time=2026-11-26T09:00:02Z level=DEBUG msg=\"token\" access_token=" + testToken,
		"GET /v1/health Authorization: Bearer " + apiToken,
		"oops card 4111 1111 1111 1111 printed",
	}, "\n")
	os.WriteFile(filepath.Join(root, LogDir, "tpe.log"), []byte(log), 0o600)
	os.WriteFile(filepath.Join(root, LogDir, "tpe.log.1"), []byte("older "+testPAN+"\n"), 0o600)

	var out bytes.Buffer
	sum, err := Export(context.Background(), &out, Opts{Root: root, Version: "1.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	all := untar(t, out.Bytes())
	for _, want := range []string{"INFO.txt", "update-status.json", "tpe.toml.redacted", "logs/tpe.log", "logs/tpe.log.1"} {
		if _, ok := all[want]; !ok {
			t.Errorf("bundle lacks %s (has %v)", want, sum.Files)
		}
	}
	var everything strings.Builder
	for _, v := range all {
		everything.WriteString(v)
	}
	for _, secret := range []string{testPAN, "4111 1111 1111 1111", testSecret, testToken, apiToken, supervisorToken, "eyJhbGci"} {
		if strings.Contains(everything.String(), secret) {
			t.Errorf("support bundle contains %q", secret)
		}
	}
	if !strings.Contains(all["tpe.toml.redacted"], `client_secret = "<redacted>"`) || !strings.Contains(all["tpe.toml.redacted"], "T0000042") {
		t.Errorf("config not usefully redacted:\n%s", all["tpe.toml.redacted"])
	}
	if !strings.Contains(all["logs/tpe.log"], "txn_id=pay_1 amount_minor=1250") {
		t.Errorf("ordinary log content lost:\n%s", all["logs/tpe.log"])
	}
}

func untar(t *testing.T, b []byte) map[string]string {
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		out[h.Name] = string(body)
	}
}

func BenchmarkRedact(b *testing.B) {
	line := `time=2026-11-26T09:00:01Z level=DEBUG msg="sale" txn_id=pay_000042 amount_minor=1250 card=4111111111111111 access_token=` + testToken
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		Redact(line)
	}
}

func TestMaskConfigAPITokens(t *testing.T) {
	c := config.SimDefaults("/var/lib/tpe")
	c.API.Token, c.API.SupervisorToken = apiToken, supervisorToken
	m := MaskConfig(c)
	if m.API.Token != Mask || m.API.SupervisorToken != Mask {
		t.Errorf("MaskConfig left api tokens %q, %q", m.API.Token, m.API.SupervisorToken)
	}
}
