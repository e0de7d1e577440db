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

// TestRefundOfAClosedBatchThroughAPI: a payment of batch 1 refunded after
// batch 1's Z report: the payment object says the refund counts in batch 2,
// the X report of batch 2 counts it and names the sale (earlier_refunds),
// and the payment stays in batch 1.
func TestRefundOfAClosedBatchThroughAPI(t *testing.T) {
	f := newLinkFixture(t)
	ctx := context.Background()
	id := f.link(t, 3000, "marie@example.com", "CMD-9")
	tx, _ := f.svc.Get(ctx, id)
	payLink(t, tx.LinkURL, 3000)
	if _, p := f.do(t, "GET", "/v1/payments/"+id, ""); p["status"] != "approved" || p["batch"] != 1.0 {
		t.Fatalf("link: %v in batch %v; want approved in batch 1", p["status"], p["batch"])
	}
	status, z := f.do(t, "POST", "/v1/batches/close", "")
	if status != http.StatusOK || z["batch"] != 1.0 || z["sales_total"] != 3000.0 || z["earlier_refunds"] != nil {
		t.Fatalf("Z report: %d %v; want batch 1 with the sale", status, z)
	}
	status, p := f.do(t, "POST", "/v1/payments/"+id+"/refunds", `{"amount":1000}`)
	if status != http.StatusCreated {
		t.Fatalf("refund: %d %v", status, p)
	}
	refunds, _ := p["refunds"].([]any)
	if p["batch"] != 1.0 || len(refunds) != 1 || refunds[0].(map[string]any)["batch"] != 2.0 || refunds[0].(map[string]any)["amount"] != 1000.0 {
		t.Fatalf("refunded payment: batch %v, refunds %v; want batch 1, one refund of 1000 in batch 2", p["batch"], p["refunds"])
	}
	status, x := f.do(t, "GET", "/v1/reports/x", "")
	earlier, _ := x["earlier_refunds"].([]any)
	if status != http.StatusOK || x["batch"] != 2.0 || x["sales_count"] != 0.0 || x["refunds_total"] != 1000.0 || x["net"] != -1000.0 || len(earlier) != 1 {
		t.Fatalf("X report: %d %v; want batch 2 with the refund only", status, x)
	}
	e := earlier[0].(map[string]any)
	if e["payment_id"] != id || e["sale_batch"] != 1.0 || e["sequence"] != p["sequence"] || e["amount"] != 1000.0 || e["method"] != "paylink" {
		t.Errorf("earlier refund %v; want payment %s of batch 1, TRANS. %v, 1000", e, id, p["sequence"])
	}
}
