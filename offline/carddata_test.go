package offline

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// maskedTestPAN is what receipts print of the test card (merchant copy).
var maskedTestPAN = payment.NewPAN(paymenttest.TestPAN).Masked()

// journalCards reads every record of st back through the store: whether its
// raw value carries a seal, and the transaction decoded with the key.
type journalCard struct {
	sealed bool
	t      *payment.Transaction
}

func journalCards(t *testing.T, st *Store) []journalCard {
	t.Helper()
	var out []journalCard
	err := st.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketTxn).ForEach(func(_, v []byte) error {
			d, err := decode(st.aead, v)
			if err != nil {
				return err
			}
			out = append(out, journalCard{sealed: hasSeal(v), t: d})
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkCardData fails unless exactly the records in keep (by ID) hold card
// data, and the sealed-record counter agrees with the records themselves.
// Every card record, kept or not, still shows the masked PAN.
func checkCardData(t *testing.T, st *Store, keep ...string) {
	t.Helper()
	kept := map[string]bool{}
	for _, id := range keep {
		kept[id] = true
	}
	sealed := 0
	for _, r := range journalCards(t, st) {
		c := r.t.Card
		if r.sealed {
			sealed++
		}
		if c == nil {
			if r.sealed {
				t.Errorf("%s (%s): a seal without a card", r.t.ID, r.t.State)
			}
			continue
		}
		full := c.PAN.Digits() != "" || c.Track2.Len() > 0 || c.ICC.Len() > 0
		switch {
		case kept[r.t.ID] && (!r.sealed || c.PAN.Digits() != paymenttest.TestPAN || c.Track2.Len() == 0 || c.ICC.Len() == 0):
			t.Errorf("%s (%s): card data lost (sealed %v); the forwarder needs it", r.t.ID, r.t.State, r.sealed)
		case !kept[r.t.ID] && (r.sealed || full):
			t.Errorf("%s (%s): card data kept (sealed %v, PAN digits %v, track 2 %d bytes, ICC %d bytes)",
				r.t.ID, r.t.State, r.sealed, c.PAN.Digits() != "", c.Track2.Len(), c.ICC.Len())
		}
		if got := c.PAN.Masked(); got != maskedTestPAN {
			t.Errorf("%s (%s): masked PAN %q, want %q", r.t.ID, r.t.State, got, maskedTestPAN)
		}
	}
	s, err := st.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.SealedCardRecords != sealed || sealed != len(keep) {
		t.Errorf("Stats().SealedCardRecords = %d, records with a seal %d, want %d", s.SealedCardRecords, sealed, len(keep))
	}
}

// TestCardDataKeptOnlyForOfflineApprovals walks card payments through the
// store to each end the state machine allows: only an offline approval
// waiting to be forwarded keeps its sealed card data.
func TestCardDataKeptOnlyForOfflineApprovals(t *testing.T) {
	s := func(states ...payment.State) []payment.State { return states }
	online := s(payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	tests := []struct {
		name   string
		states []payment.State
		keep   bool
	}{
		{"card read", s(payment.StateAwaitingCustomer, payment.StateCardRead), false},
		{"authorising", online, false},
		{"approved online", append(online, payment.StateApproved), false},
		{"declined online", append(online, payment.StateDeclined), false},
		{"declined by the card", s(payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateDeclined), false},
		{"failed", append(online, payment.StateFailed), false},
		{"cancelled after the read", s(payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateCancelled), false},
		{"refunded", append(online, payment.StateApproved, payment.StateRefundPending, payment.StateRefunded), false},
		{"partially refunded", append(online, payment.StateApproved, payment.StateRefundPending, payment.StatePartiallyRefunded), false},
		{"voided", append(online, payment.StateApproved, payment.StateReversed), false},
		{"offline approved", toOffline, true},
		{"offline after an online attempt", append(online, payment.StateOfflineApproved), true},
		{"offline approval voided", append(toOffline, payment.StateReversed), false},
		{"forwarded", append(toOffline, payment.StateForwarded), false},
		{"forward declined", append(toOffline, payment.StateForwardDeclined), false},
		{"forwarded then refunded", append(toOffline, payment.StateForwarded, payment.StateRefundPending, payment.StateRefunded), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := newStore(t)
			tx := cardTxn(1, t0)
			saveNew(t, st, tx)
			walk(t, st, tx, tt.states...)
			var keep []string
			if tt.keep {
				keep = append(keep, tx.ID)
			}
			checkCardData(t, st, keep...)
			// The in-memory transaction the service goes on with is not
			// stripped by saving it.
			if tx.Card.PAN.Digits() != paymenttest.TestPAN || tx.Card.Track2.Len() == 0 {
				t.Error("Save stripped the caller's card data")
			}
		})
	}
}

// TestServiceLeavesNoCardData runs payments through the payment service on
// a real journal: online approvals, declines, refunds, voids and an offline
// approval later forwarded leave no card data; reprints still show the
// masked PAN.
func TestServiceLeavesNoCardData(t *testing.T) {
	ctx := context.Background()
	st, _ := newStore(t)
	gw := &paymenttest.Gateway{Next: []payment.GatewayResult{
		{Approved: true, Code: "000", AuthCode: "A1"},
		{Approved: false, Code: "051", Decline: payment.DeclineGeneric},
		{Approved: true, Code: "000", AuthCode: "A3"},
		{Approved: true, Code: "000", AuthCode: "A4"},
	}}
	cards := paymenttest.NewCards()
	svc, err := payment.New(payment.Opts{Journal: st, Card: payment.CardPorts{Reader: cards, Gateway: gw}, Merchant: payment.Merchant{TerminalID: "T1"},
		Offline: payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 10, MaxTotal: 100_000, MaxAge: time.Hour}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	pay := func(policy payment.OfflinePolicy, want payment.State) *payment.Transaction {
		t.Helper()
		cards.Present(paymenttest.VisaOnline())
		p, err := svc.Pay(ctx, payment.Request{Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Method: payment.MethodCard, Policy: policy})
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		got, err := svc.Get(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != want {
			t.Fatalf("payment: %s (%s), want %s", got.State, got.Reason, want)
		}
		return got
	}
	approved := pay(payment.PreferOnline, payment.StateApproved)
	pay(payment.PreferOnline, payment.StateDeclined)
	refunded := pay(payment.PreferOnline, payment.StateApproved)
	if _, err := svc.Refund(ctx, refunded.ID, refunded.Amount); err != nil {
		t.Fatal(err)
	}
	voided := pay(payment.PreferOnline, payment.StateApproved)
	if _, err := svc.Void(ctx, voided.ID); err != nil {
		t.Fatal(err)
	}
	offline := pay(payment.ForceOffline, payment.StateOfflineApproved)
	checkCardData(t, st, offline.ID)

	// The gateway got the full card for every online sale: the service
	// keeps it in memory, not in the journal.
	for i, s := range gw.Sales {
		if s.Card.PAN.Digits() != paymenttest.TestPAN || s.Card.Track2.Len() == 0 || s.Card.ICC.Len() == 0 {
			t.Errorf("online sale %d: card data not complete", i)
		}
	}

	// Forwarded: nothing left.
	f := NewForwarder(st, gw, nil)
	if n, err := f.ForwardNow(ctx); err != nil || n != 1 {
		t.Fatalf("ForwardNow: %d, %v", n, err)
	}
	last := gw.Sales[len(gw.Sales)-1]
	if !last.Offline || last.Card.PAN.Digits() != paymenttest.TestPAN || last.Card.Track2.Len() == 0 || last.Card.ICC.Len() == 0 {
		t.Error("forwarded sale: card data not complete")
	}
	checkCardData(t, st)

	// A reprint reads the payment back from the journal: the masked PAN
	// prints as on the original receipt.
	for _, tt := range []struct {
		copy payment.Copy
		want string
	}{
		{payment.MerchantCopy, maskedTestPAN},
		{payment.CustomerCopy, payment.NewPAN(paymenttest.TestPAN).MaskedLast4()},
	} {
		r, err := svc.Receipt(ctx, approved.ID, payment.ReceiptOpts{Copy: tt.copy, Duplicate: true})
		if err != nil {
			t.Fatal(err)
		}
		text := r.PlainText(42)
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s reprint does not show %q:\n%s", tt.copy, tt.want, text)
		}
		if strings.Contains(text, paymenttest.TestPAN) {
			t.Errorf("%s reprint shows the full PAN", tt.copy)
		}
	}
}

// oldJournal builds a journal as schema 3 wrote it: every card payment's
// data sealed, whatever its state.
func oldJournal(t *testing.T, states map[string][]payment.State) (dir string, ids map[string]string) {
	t.Helper()
	st, dir := newStore(t)
	ids = map[string]string{}
	n := 0
	for name, path := range states {
		tx := cardTxn(n, t0.Add(time.Duration(n)*time.Second))
		n++
		for _, s := range path {
			if s == payment.StateOfflineApproved {
				tx.Offline = true
			}
			if err := tx.Transition(s, tx.UpdatedAt.Add(time.Second), ""); err != nil {
				t.Fatal(err)
			}
		}
		// The first put numbers the payment; the second stores it sealed
		// under that number.
		if err := st.update(func(btx *bolt.Tx) error { _, err := st.put(btx, tx, nil); return err }); err != nil {
			t.Fatal(err)
		}
		val, err := encodeRecord(st.aead, tx, true)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.update(func(btx *bolt.Tx) error { _, err := st.put(btx, tx, val); return err }); err != nil {
			t.Fatal(err)
		}
		ids[name] = tx.ID
	}
	err := st.update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if err := m.Delete(metaSealed); err != nil {
			return err
		}
		return m.Put(metaSchema, seqKey(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(journalCards(t, st)); got != len(states) {
		t.Fatalf("%d records, want %d", got, len(states))
	}
	for _, r := range journalCards(t, st) {
		if !r.sealed {
			t.Fatalf("%s: the old journal should seal every card", r.t.ID)
		}
	}
	st.Close()
	return dir, ids
}

var oldStates = map[string][]payment.State{
	"approved":  {payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved},
	"declined":  {payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateDeclined},
	"refunded":  {payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved, payment.StateRefundPending, payment.StateRefunded},
	"forwarded": {payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved, payment.StateForwarded},
	"failed":    {payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateFailed},
	"queued 1":  toOffline,
	"queued 2":  toOffline,
}

// TestMigrationDropsOldCardData opens schema 3 journals holding sealed
// approved, declined, refunded and forwarded payments: the read-write open
// drops every seal but the queued offline approvals', in transactions of a
// few records.
func TestMigrationDropsOldCardData(t *testing.T) {
	defer func(n int) { scrubChunk = n }(scrubChunk)
	for _, chunk := range []int{1, 3, 512} {
		t.Run(fmt.Sprint("chunk ", chunk), func(t *testing.T) {
			scrubChunk = chunk
			dir, ids := oldJournal(t, oldStates)
			if _, err := reopen(t, dir, &Opts{ReadOnly: true}); err == nil {
				t.Fatal("a read-only open of schema 3 should ask for a migration")
			}
			st, err := reopen(t, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkCardData(t, st, ids["queued 1"], ids["queued 2"])
			st.view(func(tx *bolt.Tx) error {
				m := tx.Bucket(bucketMeta)
				if v := u64(m.Get(metaSchema)); v != schemaVersion {
					t.Errorf("schema %d, want %d", v, schemaVersion)
				}
				if m.Get(metaScrubFrom) != nil {
					t.Error("clean-up marker left after the clean-up")
				}
				return nil
			})
			// The queued approvals still forward with their full card.
			gw := &paymenttest.Gateway{}
			if n, err := NewForwarder(st, gw, nil).ForwardNow(context.Background()); err != nil || n != 2 {
				t.Fatalf("ForwardNow: %d, %v", n, err)
			}
			for _, s := range gw.Sales {
				if s.Card.PAN.Digits() != paymenttest.TestPAN || s.Card.Track2.Len() == 0 {
					t.Error("migrated queued approval forwarded without its card data")
				}
			}
			checkCardData(t, st)
			st.Close()
			// Read-only afterwards, as tpectl opens it.
			st, err = reopen(t, dir, &Opts{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			if s, _ := st.Stats(context.Background()); s.SealedCardRecords != 0 {
				t.Errorf("SealedCardRecords %d after forwarding", s.SealedCardRecords)
			}
		})
	}
}

// TestMigrationResumesAfterPowerCut: a clean-up interrupted between two of
// its transactions (schema 4, marker halfway) finishes at the next
// read-write open; a read-only open refuses meanwhile.
func TestMigrationResumesAfterPowerCut(t *testing.T) {
	defer func(n int) { scrubChunk = n }(scrubChunk)
	scrubChunk = 2
	dir, ids := oldJournal(t, oldStates)
	// As if the power went after the first chunk: schema 4, the first two
	// records already done, the counter counting what they kept.
	db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if err := migrations[3](tx); err != nil {
			return err
		}
		if err := tx.Bucket(bucketMeta).Put(metaSchema, seqKey(4)); err != nil {
			return err
		}
		txns := tx.Bucket(bucketTxn)
		c := txns.Cursor()
		sealed := uint64(0)
		k, v := c.First()
		for range 2 {
			keep, nv, err := scrubbed(v)
			if err != nil {
				return err
			}
			if keep {
				sealed++
			} else if err := txns.Put(append([]byte(nil), k...), nv); err != nil {
				return err
			}
			k, v = c.Next()
		}
		tx.Bucket(bucketMeta).Put(metaSealed, seqKey(sealed))
		return tx.Bucket(bucketMeta).Put(metaScrubFrom, append([]byte(nil), k...))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reopen(t, dir, &Opts{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "clean-up unfinished") {
		t.Errorf("read-only open mid clean-up: got %v, want a refusal", err)
	}
	st, err := reopen(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCardData(t, st, ids["queued 1"], ids["queued 2"])
}

// TestPurgeKeepsSealedCountRight: purging records never leaves the counter
// counting records that are gone.
func TestPurgeKeepsSealedCountRight(t *testing.T) {
	st, _ := newStore(t)
	st.o.Retention = 24 * time.Hour
	queued := cardTxn(1, t0)
	saveNew(t, st, queued)
	walk(t, st, queued, toOffline...)
	done := cardTxn(2, t0)
	saveNew(t, st, done)
	walk(t, st, done, append(toOffline, payment.StateForwarded)...)
	if _, err := st.CloseBatch(context.Background(), t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Purge(context.Background(), t0.Add(72*time.Hour)); err != nil || n != 1 {
		t.Fatalf("Purge: %d, %v", n, err)
	}
	checkCardData(t, st, queued.ID)
}
