package api

import (
	"testing"
)

// TestOutboxWithoutNotifications: a terminal with no merchant notification
// has no outbox; every /v1/outbox operation answers 404 not_found and says
// why, the retry and discard routes included.
func TestOutboxWithoutNotifications(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/outbox"}, {"POST", "/v1/outbox/1/retry"}, {"POST", "/v1/outbox/parked/retry"},
		{"DELETE", "/v1/outbox/1"}, {"DELETE", "/v1/outbox/parked"},
	} {
		code, body := f.do(t, c.method, c.path, "")
		e, _ := body["error"].(map[string]any)
		if code != 404 || e["code"] != "not_found" || e["message"] != "no mail outbox: the merchant's notifications are off ([notifications])" {
			t.Errorf("%s %s: %d %v", c.method, c.path, code, body)
		}
	}
}
