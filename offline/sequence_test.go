package offline

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tpe/device/printer/printertest"
	"tpe/payment"
	"tpe/payment/paymenttest"
)

// TestSequenceSurvivesRestartsAndPurge proves the receipt numbering on a
// real bbolt file: the first save numbers a payment 1, 2, 3…, the number
// comes back from Get and List, no caller's copy can change it, it
// survives closing and reopening the file, and a number freed by a purge is
// never given again, even after another restart.
func TestSequenceSurvivesRestartsAndPurge(t *testing.T) {
	st, dir := newStore(t)
	ctx := context.Background()
	var txns []*payment.Transaction
	for n := 1; n <= 3; n++ {
		tx := cardTxn(n, t0)
		tx.Sequence = 77 // a caller cannot choose its number
		saveNew(t, st, tx)
		if tx.Sequence != uint64(n) {
			t.Fatalf("payment %d: sequence %d after the first save, want %d", n, tx.Sequence, n)
		}
		txns = append(txns, tx)
	}
	// Later steps keep the number, whatever the copy saved says.
	txns[0].Sequence = 9
	walk(t, st, txns[0], payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved)
	if txns[0].Sequence != 1 {
		t.Fatalf("sequence %d after a later save, want 1", txns[0].Sequence)
	}
	got, err := st.Update(ctx, txns[1].ID, func(tx *payment.Transaction) error {
		tx.Sequence = 500
		return tx.Transition(payment.StateCancelled, t0.Add(time.Minute), "")
	})
	if err != nil || got.Sequence != 2 {
		t.Fatalf("Update: sequence %v, %v; want 2", seqOf(got), err)
	}
	check := func(st *Store, want map[string]uint64) {
		t.Helper()
		for id, seq := range want {
			g, err := st.Get(ctx, id)
			if err != nil || g.Sequence != seq {
				t.Errorf("Get %s: sequence %v, %v; want %d", id, seqOf(g), err, seq)
			}
		}
		all, err := st.List(ctx, payment.Query{})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range all {
			if g.Sequence != want[g.ID] {
				t.Errorf("List %s: sequence %d, want %d", g.ID, g.Sequence, want[g.ID])
			}
		}
		batch, err := st.List(ctx, payment.Query{Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range batch {
			if g.Sequence != want[g.ID] {
				t.Errorf("List batch %s: sequence %d, want %d", g.ID, g.Sequence, want[g.ID])
			}
		}
	}
	want := map[string]uint64{txns[0].ID: 1, txns[1].ID: 2, txns[2].ID: 3}
	check(st, want)

	// Restart: the numbers are on disk, and the next payment takes 4.
	st.Close()
	st, err = reopen(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(st, want)
	fourth := cardTxn(4, t0)
	saveNew(t, st, fourth)
	if fourth.Sequence != 4 {
		t.Fatalf("first payment after a restart: sequence %d, want 4", fourth.Sequence)
	}
	walk(t, st, fourth, payment.StateCancelled)

	// Purge the newest payments (4 cancelled, 1 approved, 2 cancelled):
	// their numbers stay used.
	if _, err := st.CloseBatch(ctx, t0); err != nil {
		t.Fatal(err)
	}
	n, err := st.Purge(ctx, time.Now().Add(400*24*time.Hour))
	if err != nil || n == 0 {
		t.Fatalf("purge: %d, %v", n, err)
	}
	if _, err := st.Get(ctx, fourth.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Fatalf("payment 4 not purged: %v", err)
	}
	st.Close()
	st, err = reopen(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fifth := cardTxn(5, t0)
	fifth.Batch = 2
	saveNew(t, st, fifth)
	if fifth.Sequence != 5 {
		t.Fatalf("after purging 4 and a restart: sequence %d, want 5 (never reused)", fifth.Sequence)
	}
}

func seqOf(t *payment.Transaction) any {
	if t == nil {
		return nil
	}
	return t.Sequence
}

// TestReceiptNumberAcrossRestarts runs the payment service on the bbolt
// journal: the receipts print TRANS. 000001 and 000002, and after the
// terminal restarts (service and journal closed, file reopened) the next
// sale prints 000003.
func TestReceiptNumberAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	sell := func(want ...string) {
		t.Helper()
		st, err := reopen(t, dir, &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		cards, pr := paymenttest.NewCards(), printertest.NewFake()
		svc, err := payment.New(payment.Opts{Journal: st, Card: payment.CardPorts{Reader: cards, Gateway: &paymenttest.Gateway{}},
			Receipts: payment.ReceiptPorts{Printer: pr}, Merchant: payment.Merchant{TerminalID: "T1"}, Lang: "fr"})
		if err != nil {
			t.Fatal(err)
		}
		defer svc.Close()
		for _, w := range want {
			cards.Present(paymenttest.VisaOnline())
			p, err := svc.Pay(ctx, payment.Request{Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Method: payment.MethodCard})
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait()
			r, ok := pr.Last()
			if !ok {
				t.Fatal("no receipt printed")
			}
			if text := r.PlainText(48); !strings.Contains(text, "TRANS.") || !strings.Contains(text, " "+w+"\n") {
				t.Fatalf("receipt of payment %s does not print TRANS. %s:\n%s", p.ID, w, text)
			}
		}
	}
	sell("000001", "000002")
	sell("000003")
}
