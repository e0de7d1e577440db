package api

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestLinkPaidAfterCloseThroughAPI: a link sent, the batch closed through
// the API (Z report), the link paid after the close: GET reads it approved in
// batch 2 with created_batch 1, the X report of batch 2 counts it, and the
// payment of a link paid in its own batch has no created_batch.
func TestLinkPaidAfterCloseThroughAPI(t *testing.T) {
	f := newLinkFixture(t)
	ctx := context.Background()
	late := f.link(t, 6400, "marie@example.com", "CMD-7")
	status, z := f.do(t, "POST", "/v1/batches/close", "")
	if status != http.StatusOK || z["batch"] != 1.0 || z["sales_total"] != 0.0 {
		t.Fatalf("Z report: %d %v; want batch 1 with nothing paid", status, z)
	}
	f.now.Advance(30 * time.Minute) // within the fixture's one-hour link validity
	tx, _ := f.svc.Get(ctx, late)
	payLink(t, tx.LinkURL, 6400)
	_, p := f.do(t, "GET", "/v1/payments/"+late, "")
	if p["status"] != "approved" || p["batch"] != 2.0 || p["created_batch"] != 1.0 {
		t.Fatalf("late link: status %v batch %v created_batch %v; want approved, 2, 1", p["status"], p["batch"], p["created_batch"])
	}
	if p["created_at"] != tx.CreatedAt.Format(time.RFC3339Nano) {
		t.Errorf("created_at %v, want the link's creation %v", p["created_at"], tx.CreatedAt)
	}
	status, x := f.do(t, "GET", "/v1/reports/x", "")
	if status != http.StatusOK || x["batch"] != 2.0 || x["sales_count"] != 1.0 || x["sales_total"] != 6400.0 {
		t.Errorf("X report: %d %v; want batch 2 with the late link", status, x)
	}

	onTime := f.link(t, 900, "paul@example.org", "CMD-8")
	tx, _ = f.svc.Get(ctx, onTime)
	payLink(t, tx.LinkURL, 900)
	if _, p := f.do(t, "GET", "/v1/payments/"+onTime, ""); p["status"] != "approved" || p["batch"] != 2.0 || p["created_batch"] != nil {
		t.Errorf("link paid in its own batch: status %v batch %v created_batch %v", p["status"], p["batch"], p["created_batch"])
	}
}
