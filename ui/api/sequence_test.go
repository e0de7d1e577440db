package api

import (
	"net/http"
	"testing"
)

// TestPaymentSequence: the API returns each payment's transaction number
// (the receipt's TRANS.) as sequence, the same in the payment and in the
// listing, one more for each payment the terminal records; docs/openapi.json
// documents every field of the payment object, sequence included.
func TestPaymentSequence(t *testing.T) {
	f := newFixture(t)
	first, second := f.sale(t, 1250), f.sale(t, 990)
	if first["sequence"] != 1.0 || second["sequence"] != 2.0 {
		t.Fatalf("sequences %v, %v; want 1, 2", first["sequence"], second["sequence"])
	}
	status, list := f.do(t, "GET", "/v1/payments?limit=10", "")
	if status != http.StatusOK {
		t.Fatalf("list: %d %v", status, list)
	}
	items, _ := list["payments"].([]any)
	if len(items) != 2 {
		t.Fatalf("list: %v", list)
	}
	for _, it := range items {
		p := it.(map[string]any)
		want := map[string]any{first["id"].(string): 1.0, second["id"].(string): 2.0}[p["id"].(string)]
		if p["sequence"] != want {
			t.Errorf("listed %s: sequence %v, want %v", p["id"], p["sequence"], want)
		}
	}
	var spec struct {
		Components struct {
			Schemas struct {
				Payment struct {
					Properties map[string]any `json:"properties"`
				} `json:"Payment"`
			} `json:"schemas"`
		} `json:"components"`
	}
	loadOpenAPI(t, &spec)
	for k := range first {
		if _, ok := spec.Components.Schemas.Payment.Properties[k]; !ok {
			t.Errorf("openapi.json's Payment does not document %q", k)
		}
	}
}
