package update

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/provision"
	"tpe/config"
)

func TestLocalAPI(t *testing.T) {
	tests := []struct{ listen, tlsCert, want string }{
		{"127.0.0.1:8080", "", "http://127.0.0.1:8080"},
		{"0.0.0.0:8080", "", "http://127.0.0.1:8080"},
		{":8080", "", "http://127.0.0.1:8080"},
		{"[::]:8080", "", "http://127.0.0.1:8080"},
		{"192.168.1.20:8080", "", "http://192.168.1.20:8080"},
	}
	for _, tt := range tests {
		c := config.Defaults()
		c.API.Listen = tt.listen
		base, _, err := LocalAPI(t.TempDir(), c)
		if err != nil || base != tt.want {
			t.Errorf("LocalAPI(%s) = %q %v, want %q", tt.listen, base, err, tt.want)
		}
	}
}

// TestHealthOverTLS: the update guard and probe reach an HTTPS API whose
// certificate is the root's api.tls_cert, and refuse another one.
func TestHealthOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			return
		}
		if r.URL.Path == "/v1/payments" {
			fmt.Fprint(w, `{"payments":[]}`)
			return
		}
		fmt.Fprint(w, `{"status":"ok","version":"1.1.0","queue_length":0}`)
	}))
	defer srv.Close()
	otherPEM, _, err := provision.SelfSigned([]string{"127.0.0.1"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	other, _ := pem.Decode(otherPEM)
	for name, cert := range map[string][]byte{"own": srv.Certificate().Raw, "other": other.Bytes} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			os.MkdirAll(filepath.Join(root, "etc/tpe"), 0o755)
			os.WriteFile(filepath.Join(root, "etc/tpe/api.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o600)
			c := config.Defaults()
			c.API.Listen = strings.TrimPrefix(srv.URL, "https://")
			c.API.Token, c.API.TLSCert, c.API.TLSKey = "tok", "/etc/tpe/api.crt", "/etc/tpe/api.key"
			base, hc, err := LocalAPI(root, c)
			if err != nil || !strings.HasPrefix(base, "https://") {
				t.Fatalf("LocalAPI: %q %v", base, err)
			}
			gerr := HealthGuardClient(hc, base, "tok", false)(context.Background())
			perr := HTTPHealthClient(hc, base+"/v1/health", "tok")(context.Background(), "1.1.0")
			if name == "own" && (gerr != nil || perr != nil) {
				t.Errorf("guard %v, probe %v; want both to pass", gerr, perr)
			}
			if name == "other" && (gerr == nil || perr == nil) {
				t.Errorf("guard %v, probe %v; want both to refuse a certificate that is not api.tls_cert", gerr, perr)
			}
		})
	}
}
