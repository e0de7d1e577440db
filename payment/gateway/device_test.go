package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
)

const simURL = "http://sim.test"

// memSim is a simulator served in memory, for synctest bubbles.
func memSim(t *testing.T, o *gatewaysim.Opts, wrap func(http.Handler) http.Handler) (*gatewaysim.Server, *http.Client, *counter) {
	t.Helper()
	sim, err := gatewaysim.New(simDir(t), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	cnt := &counter{n: map[string]int{}}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cnt.add(r.Method + " " + r.URL.Path)
		sim.ServeHTTP(w, r)
	})
	if wrap != nil {
		h = wrap(h)
	}
	return sim, &http.Client{Transport: handlerTransport{h}}, cnt
}

func signIn(t *testing.T, sim *gatewaysim.Server, hc *http.Client, act func(da *gateway.DeviceAuth)) (gateway.Cashier, error) {
	t.Helper()
	v, err := gateway.NewIDVerifier(simURL, gatewaysim.DevCashierClient, &gateway.IDOpts{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	d := gateway.NewDeviceSignIn(v, hc)
	ctx := context.Background()
	da, err := d.Start(ctx)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	if da.UserCode == "" || !strings.HasPrefix(da.VerificationURI, simURL+"/device") ||
		!strings.Contains(da.VerificationURIComplete, url.QueryEscape(da.UserCode)) {
		t.Fatalf("device auth %+v", da)
	}
	go act(da)
	return d.Wait(ctx, da)
}

func TestDeviceSignIn(t *testing.T) {
	tests := []struct {
		user, name, role string
	}{
		{"alice", "Alice Martin", gateway.RoleCashier},
		{"bob", "Bob Durand", gateway.RoleSupervisor},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim, hc, cnt := memSim(t, nil, nil)
				start := time.Now()
				c, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) {
					time.Sleep(12 * time.Second) // the cashier takes the phone out
					if err := sim.ApproveDevice(da.UserCode, tt.user); err != nil {
						t.Error(err)
					}
				})
				if err != nil {
					t.Fatalf("sign-in: %v", err)
				}
				if c.Name != tt.name || c.Role != tt.role || c.Subject != "user-"+tt.user {
					t.Fatalf("cashier %+v", c)
				}
				// Polls every 5 s: pending at 5 and 10, approved at 15.
				if el := time.Since(start); el != 15*time.Second {
					t.Errorf("signed in after %v, want 15s of polling", el)
				}
				if n := cnt.get("POST /oauth/token"); n != 3 {
					t.Errorf("%d polls, want 3", n)
				}
			})
		})
	}
}

func TestDeviceSignInDeniedExpiredSlowDown(t *testing.T) {
	t.Run("denied", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			sim, hc, _ := memSim(t, nil, nil)
			_, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) {
				time.Sleep(7 * time.Second)
				sim.DenyDevice(da.UserCode)
			})
			if !errors.Is(err, gateway.ErrAccessDenied) {
				t.Fatalf("got %v, want ErrAccessDenied", err)
			}
		})
	})
	t.Run("expired", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			sim, hc, _ := memSim(t, &gatewaysim.Opts{DeviceCodeTTL: time.Minute}, nil)
			start := time.Now()
			_, err := signIn(t, sim, hc, func(*gateway.DeviceAuth) {})
			if !errors.Is(err, gateway.ErrSignInExpired) {
				t.Fatalf("got %v, want ErrSignInExpired", err)
			}
			if el := time.Since(start); el > time.Minute+time.Second {
				t.Fatalf("gave up after %v, want at the code's expiry", el)
			}
			if err := sim.ApproveDevice("BCDF-GHJK", "alice"); !errors.Is(err, gatewaysim.ErrUnknownUserCode) {
				t.Fatalf("approving an unknown code: %v", err)
			}
		})
	})
	t.Run("slow_down", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// The IdP asks to slow down on the first poll: the client must
			// add 5 s to its interval (RFC 8628 §3.5).
			first := true
			sim, hc, cnt := memSim(t, nil, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/oauth/token" && first {
						first = false
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusBadRequest)
						w.Write([]byte(`{"error":"slow_down"}`))
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			start := time.Now()
			_, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) { sim.ApproveDevice(da.UserCode, "alice") })
			if err != nil {
				t.Fatal(err)
			}
			if el := time.Since(start); el != 15*time.Second { // 5 s, slow_down, then 10 s
				t.Fatalf("signed in after %v, want 15s", el)
			}
			_ = cnt
		})
	})
	t.Run("polling too fast is told to slow down", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			sim, hc, _ := memSim(t, nil, nil)
			form := url.Values{"client_id": {gatewaysim.DevCashierClient}}
			resp, err := hc.PostForm(simURL+"/oauth/device_authorization", form)
			if err != nil {
				t.Fatal(err)
			}
			var da struct {
				DeviceCode string `json:"device_code"`
			}
			decodeJSON(t, resp, &da)
			poll := url.Values{"client_id": {gatewaysim.DevCashierClient}, "device_code": {da.DeviceCode},
				"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}}
			var got []string
			for range 2 {
				resp, err := hc.PostForm(simURL+"/oauth/token", poll)
				if err != nil {
					t.Fatal(err)
				}
				var e struct {
					Error string `json:"error"`
				}
				decodeJSON(t, resp, &e)
				got = append(got, e.Error)
				time.Sleep(time.Second)
			}
			if got[0] != "authorization_pending" || got[1] != "slow_down" {
				t.Fatalf("polls answered %v, want authorization_pending then slow_down", got)
			}
			_ = sim
		})
	})
}

func TestDeviceSignInUnknownRole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, hc, _ := memSim(t, &gatewaysim.Opts{Users: []gatewaysim.User{{Username: "eve", Name: "Eve", Role: "admin", Subject: "user-eve"}}}, nil)
		_, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) { sim.ApproveDevice(da.UserCode, "eve") })
		if !errors.Is(err, gateway.ErrNoRole) {
			t.Fatalf("got %v, want ErrNoRole", err)
		}
	})
}

func TestAccessTokenCachedUntilExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, hc, cnt := memSim(t, &gatewaysim.Opts{AccessTokenTTL: 5 * time.Minute}, nil)
		c, err := gateway.New(simURL, &gateway.Opts{HTTPClient: hc, OAuth: &gateway.OAuth{TokenURL: simURL + "/oauth/token",
			ClientID: gatewaysim.DevClientID, ClientSecret: gatewaysim.DevClientSecret, Margin: 30 * time.Second}})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		lookup := func() {
			t.Helper()
			if _, err := c.Lookup(ctx, "x"); !errors.Is(err, payment.ErrNotFound) {
				t.Fatalf("lookup: %v", err)
			}
		}
		tokens := func() int { return cnt.get("POST /oauth/token") }
		lookup()
		lookup()
		if tokens() != 1 {
			t.Fatalf("%d token requests for two calls, want 1 (cached)", tokens())
		}
		time.Sleep(4 * time.Minute)
		lookup()
		if tokens() != 1 {
			t.Fatalf("token refetched after 4 min of a 5 min lifetime")
		}
		time.Sleep(35 * time.Second) // inside the 30 s margin
		lookup()
		if tokens() != 2 {
			t.Fatalf("%d token requests, want a refresh inside the margin", tokens())
		}
		// Long after expiry: one new token, not one per try.
		time.Sleep(10 * time.Minute)
		lookup()
		if tokens() != 3 {
			t.Fatalf("%d token requests after expiry, want 3", tokens())
		}
	})
}

func TestSimulatorKeyRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim, hc, cnt := memSim(t, nil, nil)
		c, _ := gateway.New(simURL, &gateway.Opts{HTTPClient: hc, OAuth: &gateway.OAuth{TokenURL: simURL + "/oauth/token",
			ClientID: gatewaysim.DevClientID, ClientSecret: gatewaysim.DevClientSecret}})
		ctx := context.Background()
		if _, err := c.Lookup(ctx, "x"); !errors.Is(err, payment.ErrNotFound) {
			t.Fatal(err)
		}
		// Cashier signs in with the first key.
		c1, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) { sim.ApproveDevice(da.UserCode, "alice") })
		if err != nil {
			t.Fatal(err)
		}
		kid, err := sim.RotateKeys()
		if err != nil || kid == "" {
			t.Fatal(kid, err)
		}
		// The access token signed before the rotation is still accepted.
		if _, err := c.Lookup(ctx, "x"); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("lookup with a pre-rotation token: %v", err)
		}
		if n := cnt.get("POST /oauth/token"); n != 1+1 {
			t.Fatalf("%d token requests", n)
		}
		// A sign-in after the rotation gets an ID token signed with the new
		// key, which verifies (TestIDTokenKeyRotation covers a verifier
		// that must refetch the JWKS for the new kid).
		time.Sleep(2 * time.Minute)
		c2, err := signIn(t, sim, hc, func(da *gateway.DeviceAuth) { sim.ApproveDevice(da.UserCode, "bob") })
		if err != nil {
			t.Fatalf("sign-in after rotation: %v", err)
		}
		if c1.Role != gateway.RoleCashier || c2.Role != gateway.RoleSupervisor {
			t.Fatal(c1, c2)
		}
		resp, err := hc.Get(simURL + "/oauth/jwks")
		if err != nil {
			t.Fatal(err)
		}
		var set jose.JSONWebKeySet
		decodeJSON(t, resp, &set)
		if len(set.Keys) != 2 || set.Keys[1].KeyID != kid {
			t.Fatalf("JWKS after rotation has %d keys, want old + new", len(set.Keys))
		}
		for _, k := range set.Keys {
			if !k.IsPublic() {
				t.Fatal("private key material in the JWKS")
			}
		}
	})
}
