package gateway_test

import (
	"net/http/httptest"
	"testing"

	"tpe/payment/gateway/gatewaysim"
)

func newServer(t testing.TB, s *gatewaysim.Server) *httptest.Server {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}
