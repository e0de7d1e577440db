package offline

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// newStore opens a fresh journal in a temp dir.
func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func reopen(t testing.TB, dir string, o *Opts) (*Store, error) {
	t.Helper()
	var opts Opts
	if o != nil {
		opts = *o
	}
	if opts.KeyFile == "" {
		opts.KeyFile = filepath.Join(dir, KeyName)
	}
	st, err := Open(filepath.Join(dir, FileName), &opts)
	if err == nil {
		t.Cleanup(func() { st.Close() })
	}
	return st, err
}

// cardTxn is a card payment in state created, with the test card read.
func cardTxn(n int, at time.Time) *payment.Transaction {
	card := paymenttest.VisaOnline().Card
	return &payment.Transaction{
		ID: fmt.Sprintf("pay_%06d", n), OrderID: fmt.Sprintf("T1-%06d", n), Method: payment.MethodCard,
		State: payment.StateCreated, Amount: payment.Amount{Minor: int64(100 + n), Currency: "EUR"},
		Policy: payment.PreferOnline, Batch: 1, Card: &card, CreatedAt: at, UpdatedAt: at,
		History: []payment.Step{{State: payment.StateCreated, At: at}},
	}
}

// walk moves t through states, saving each.
func walk(t testing.TB, st *Store, tx *payment.Transaction, states ...payment.State) {
	t.Helper()
	for _, s := range states {
		if s == payment.StateOfflineApproved {
			tx.Offline = true
		}
		if err := tx.Transition(s, tx.UpdatedAt.Add(time.Second), ""); err != nil {
			t.Fatal(err)
		}
		if err := st.Save(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
	}
}

var toOffline = []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved}

func saveNew(t testing.TB, st *Store, tx *payment.Transaction) {
	t.Helper()
	if err := st.Save(context.Background(), tx); err != nil {
		t.Fatal(err)
	}
}

func TestSaveGetRoundTrip(t *testing.T) {
	st, dir := newStore(t)
	ctx := context.Background()
	tx := cardTxn(1, t0)
	tx.Reference = "ticket 42"
	saveNew(t, st, tx)
	walk(t, st, tx, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateOfflineApproved)
	st.Close()

	st, err := reopen(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Card.PAN.Digits() != paymenttest.TestPAN {
		t.Errorf("PAN got %s, want the full test PAN back", got.Card.PAN.Masked())
	}
	want := paymenttest.VisaOnline().Card
	if !bytes.Equal(got.Card.Track2.Reveal(), want.Track2.Reveal()) || !bytes.Equal(got.Card.ICC.Reveal(), want.ICC.Reveal()) {
		t.Error("track 2 or ICC data not restored")
	}
	if got.Card.Brand != "visa" || got.Card.Expiry != "2812" || got.Card.ATC != 7 {
		t.Errorf("card fields got %+v", got.Card)
	}
	if got.State != payment.StateOfflineApproved || got.Reference != "ticket 42" || len(got.History) != 5 || !got.CreatedAt.Equal(t0) {
		t.Errorf("got %+v", got)
	}
	if _, err := st.Get(ctx, "pay_nope"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("missing id: got %v, want ErrNotFound", err)
	}
}

func TestCardDataNeverInClearOnDisk(t *testing.T) {
	st, dir := newStore(t)
	for i := range 20 {
		tx := cardTxn(i, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
	}
	st.Close()
	raw, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	card := paymenttest.VisaOnline().Card
	for name, needle := range map[string][]byte{
		"PAN":           []byte(paymenttest.TestPAN),
		"track 2":       card.Track2.Reveal(),
		"track 2 b64":   []byte(base64.StdEncoding.EncodeToString(card.Track2.Reveal())),
		"ICC":           card.ICC.Reveal(),
		"ICC b64":       []byte(base64.StdEncoding.EncodeToString(card.ICC.Reveal())),
		"track 2 hex":   []byte(fmt.Sprintf("%X", card.Track2.Reveal())),
		"masked PAN ok": nil,
	} {
		if needle == nil {
			continue
		}
		if bytes.Contains(raw, needle) {
			t.Errorf("%s found in clear in the journal file", name)
		}
	}
	// The test would be vacuous if the records were not in the file at all.
	if !bytes.Contains(raw, []byte(payment.NewPAN(paymenttest.TestPAN).Masked())) {
		t.Error("masked PAN not found: the records are not where the test looks")
	}
}

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	db, key := filepath.Join(dir, FileName), filepath.Join(dir, KeyName)
	if _, err := Open(db, &Opts{KeyFile: key}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("missing key: got %v, want ErrNoKey", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Error("a journal was created without a key")
	}
	if err := CreateKey(key); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(key)
	if fi.Mode().Perm() != 0o600 || fi.Size() != KeySize {
		t.Errorf("key file mode %v size %d, want 0600 and %d", fi.Mode().Perm(), fi.Size(), KeySize)
	}
	if err := CreateKey(key); !errors.Is(err, ErrKeyExists) {
		t.Errorf("second CreateKey: got %v, want ErrKeyExists", err)
	}
	st, err := Open(db, &Opts{KeyFile: key})
	if err != nil {
		t.Fatal(err)
	}
	saveNew(t, st, cardTxn(1, t0))
	st.Close()

	other := filepath.Join(dir, "other.key")
	if err := CreateKey(other); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(db, &Opts{KeyFile: other}); !errors.Is(err, ErrWrongKey) {
		t.Errorf("wrong key: got %v, want ErrWrongKey", err)
	}
	short := filepath.Join(dir, "short.key")
	os.WriteFile(short, []byte("0123456789"), 0o600)
	if _, err := Open(db, &Opts{KeyFile: short}); !errors.Is(err, ErrBadKey) {
		t.Errorf("short key: got %v, want ErrBadKey", err)
	}
	os.Chmod(key, 0o644)
	if _, err := Open(db, &Opts{KeyFile: key}); !errors.Is(err, ErrBadKey) {
		t.Errorf("world-readable key: got %v, want ErrBadKey", err)
	}
	os.Chmod(key, 0o600)
	if _, err := Open(db, &Opts{KeyFile: key}); err != nil {
		t.Errorf("right key after all that: %v", err)
	}
}

func TestWrongKeyAtUnseal(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	CreateKey(k1)
	CreateKey(k2)
	a1, _ := loadKey(k1, false)
	a2, _ := loadKey(k2, false)
	tx := cardTxn(1, t0)
	tx.State = payment.StateOfflineApproved // the one state that keeps a seal
	b, err := encode(a1, tx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decode(a2, b); !errors.Is(err, ErrWrongKey) {
		t.Errorf("got %v, want ErrWrongKey", err)
	}
	// A sealed blob moved to another transaction does not open either.
	tx2 := cardTxn(2, t0)
	tx2.State = payment.StateOfflineApproved
	b2, _ := encode(a1, tx2)
	var r1, r2 record
	r1.Txn.Transaction, r2.Txn.Transaction = new(payment.Transaction), new(payment.Transaction)
	jsonUnmarshal(t, b, &r1)
	jsonUnmarshal(t, b2, &r2)
	r2.Seal = r1.Seal
	swapped := jsonMarshal(t, r2)
	if _, err := decode(a1, swapped); !errors.Is(err, ErrWrongKey) {
		t.Errorf("swapped seal: got %v, want an unseal failure", err)
	}
	if err := fmt.Sprint(err); bytes.Contains([]byte(err), []byte(paymenttest.TestPAN)) {
		t.Error("error leaks the PAN")
	}
}

func TestCorruptOrTruncatedRefused(t *testing.T) {
	st, dir := newStore(t)
	for i := range 200 {
		tx := cardTxn(i, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
	}
	st.Close()
	path := filepath.Join(dir, FileName)
	good, _ := os.ReadFile(path)

	cases := map[string]func([]byte) []byte{
		"empty":          func([]byte) []byte { return nil },
		"truncated half": func(b []byte) []byte { return b[:len(b)/2] },
		"truncated page": func(b []byte) []byte { return b[:4096*3] },
		"garbage":        func(b []byte) []byte { return bytes.Repeat([]byte{0xA5}, len(b)) },
		"both meta pages zeroed": func(b []byte) []byte {
			c := bytes.Clone(b)
			clear(c[:8192])
			return c
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			bad := damage(good)
			if err := os.WriteFile(path, bad, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := reopen(t, dir, nil)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, bad) {
				t.Error("the refused file was modified (reset?)")
			}
		})
	}
	// A damaged record is refused when read, with the others intact.
	t.Run("damaged record", func(t *testing.T) {
		c := bytes.Clone(good)
		needle := []byte(`"order_id":"T1-000100"`)
		if !bytes.Contains(c, needle) {
			t.Fatal("record not found in file")
		}
		for i := bytes.Index(c, needle); i >= 0; i = bytes.Index(c, needle) {
			copy(c[i:], "\x00\xff{{{{")
		}
		os.WriteFile(path, c, 0o600)
		st, err := reopen(t, dir, nil)
		if err != nil {
			t.Fatalf("open should not read records, got %v", err)
		}
		if e, err := st.Exposure(context.Background()); err != nil || e.Count != 200 {
			t.Errorf("exposure from counters: %+v, %v", e, err)
		}
		if _, err := st.List(context.Background(), payment.Query{}); !errors.Is(err, ErrCorrupt) {
			t.Errorf("list: got %v, want ErrCorrupt", err)
		}
		if _, err := st.Get(context.Background(), "pay_000101"); err != nil {
			t.Errorf("an intact record: %v", err)
		}
	})
}

func TestDiskFull(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true, MaxSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	var saved []string
	var full error
	for i := range 10000 {
		tx := cardTxn(i, t0)
		tx.Reference = string(bytes.Repeat([]byte("x"), 2000))
		if err := st.Save(ctx, tx); err != nil {
			full = err
			if _, gerr := st.Get(ctx, tx.ID); !errors.Is(gerr, payment.ErrNotFound) {
				t.Errorf("the failed save left %s behind: %v", tx.ID, gerr)
			}
			break
		}
		saved = append(saved, tx.ID)
	}
	if !errors.Is(full, ErrFull) || !errors.Is(full, ErrWrite) {
		t.Fatalf("got %v after %d saves, want ErrFull and ErrWrite", full, len(saved))
	}
	for _, id := range saved {
		if _, err := st.Get(ctx, id); err != nil {
			t.Fatalf("%s lost after the disk filled: %v", id, err)
		}
	}
}

// TestSaveFailureStopsThePayment: when the journal cannot record a step, the
// service does not act on it — no request reaches the gateway.
func TestSaveFailureStopsThePayment(t *testing.T) {
	for _, failAt := range []int{3, 4} { // card_read, authorising
		t.Run(fmt.Sprint("write ", failAt), func(t *testing.T) {
			st, _ := newStore(t)
			n := 0
			st.failWrite = func() error {
				if n++; n == failAt {
					return errors.New("write /data/journal.db: no space left on device")
				}
				return nil
			}
			gw := &paymenttest.Gateway{}
			cards := paymenttest.NewCards()
			svc, err := payment.New(payment.Opts{Journal: st, Card: payment.CardPorts{Reader: cards, Gateway: gw}, Merchant: payment.Merchant{TerminalID: "T1"}})
			if err != nil {
				t.Fatal(err)
			}
			defer svc.Close()
			cards.Present(paymenttest.VisaOnline())
			p, err := svc.Pay(context.Background(), payment.Request{Amount: payment.Amount{Minor: 1250, Currency: "EUR"}, Method: payment.MethodCard})
			if err != nil {
				t.Fatal(err)
			}
			svc.Wait()
			if len(gw.Sales) != 0 {
				t.Errorf("gateway got %d sales after a failed journal write", len(gw.Sales))
			}
			got, err := st.Get(context.Background(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State.Approved() {
				t.Errorf("state %s recorded", got.State)
			}
		})
	}
}

func TestQueueExposureAndStaleWrites(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	var txs []*payment.Transaction
	for i := range 5 {
		tx := cardTxn(i, t0.Add(time.Duration(i)*time.Minute))
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
		txs = append(txs, tx)
	}
	e, err := st.Exposure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := payment.Exposure{Count: 5, Total: 100 + 101 + 102 + 103 + 104, Oldest: t0}
	if e.Count != want.Count || e.Total != want.Total || !e.Oldest.Equal(want.Oldest) {
		t.Errorf("exposure got %+v, want %+v", e, want)
	}
	walk(t, st, txs[0], payment.StateForwarded)
	walk(t, st, txs[2], payment.StateReversed)
	e, _ = st.Exposure(ctx)
	if e.Count != 3 || e.Total != 101+103+104 || !e.Oldest.Equal(t0.Add(time.Minute)) {
		t.Errorf("after forwarding: %+v", e)
	}
	q, _ := st.Queue(ctx, 0)
	if len(q) != 3 || q[0].ID != txs[1].ID || q[2].ID != txs[4].ID {
		t.Errorf("queue order: %+v", q)
	}
	// An out-of-date copy cannot move a payment back.
	stale := txs[0].Clone()
	stale.State = payment.StateOfflineApproved
	if err := st.Save(ctx, stale); !errors.Is(err, ErrStale) {
		t.Errorf("stale save: got %v, want ErrStale", err)
	}
	var te *payment.TransitionError
	if err := st.Save(ctx, stale); !errors.As(err, &te) {
		t.Errorf("stale save should carry the TransitionError, got %v", err)
	}
	// Re-saving the same state (receipt printed) is fine.
	txs[1].ReceiptPrinted = true
	if err := st.Save(ctx, txs[1]); err != nil {
		t.Error(err)
	}
	if e2, _ := st.Exposure(ctx); e2 != e {
		t.Errorf("re-save changed exposure: %+v → %+v", e, e2)
	}
}

// TestExposureFeedsLimits: the store's exposure and OfflineLimits.Check agree
// at each boundary.
func TestExposureFeedsLimits(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	lim := payment.OfflineLimits{DefaultFloor: 5000, MaxCount: 3, MaxTotal: 320, MaxAge: time.Hour}
	for i := range 3 {
		e, _ := st.Exposure(ctx)
		if err := lim.Check(e, payment.Amount{Minor: 100 + int64(i), Currency: "EUR"}, "visa", t0); err != nil {
			t.Fatalf("payment %d refused: %v", i, err)
		}
		tx := cardTxn(i, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
	}
	e, _ := st.Exposure(ctx)
	if err := lim.Check(e, payment.Amount{Minor: 1, Currency: "EUR"}, "visa", t0); !errors.Is(err, payment.ErrOfflineRefused) {
		t.Errorf("4th offline payment with MaxCount 3: got %v", err)
	}
	lim.MaxCount = 4
	if err := lim.Check(e, payment.Amount{Minor: 17, Currency: "EUR"}, "visa", t0); err != nil {
		t.Errorf("total 303+17 = 320 = MaxTotal refused: %v", err)
	}
	if err := lim.Check(e, payment.Amount{Minor: 18, Currency: "EUR"}, "visa", t0); err == nil {
		t.Error("total 321 > 320 accepted")
	}
	if err := lim.Check(e, payment.Amount{Minor: 1, Currency: "EUR"}, "visa", t0.Add(time.Hour+time.Nanosecond)); err == nil {
		t.Error("oldest older than MaxAge accepted")
	}
}

func TestListMatchesReferenceJournal(t *testing.T) {
	st, _ := newStore(t)
	ref := paymenttest.NewJournal()
	ctx := context.Background()
	for i := range 30 {
		tx := cardTxn(i, t0.Add(time.Duration(i)*time.Minute))
		tx.Reference = fmt.Sprint("r", i%3)
		if i%4 == 0 {
			tx.Method = payment.MethodAlipayPlus
			tx.Card = nil
		}
		if i == 20 {
			st.CloseBatch(ctx, t0)
			ref.CloseBatch(ctx, t0)
		}
		if i >= 20 {
			tx.Batch = 2
		}
		states := [][]payment.State{toOffline, {payment.StateAwaitingCustomer, payment.StateCancelled},
			{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved}}[i%3]
		saveNew(t, st, tx)
		ref.Save(ctx, tx)
		for _, s := range states {
			tx.Transition(s, tx.UpdatedAt.Add(time.Second), "")
			if err := st.Save(ctx, tx); err != nil {
				t.Fatal(err)
			}
			ref.Save(ctx, tx)
		}
	}
	for _, q := range []payment.Query{
		{}, {Limit: 5}, {Status: payment.StatusApproved}, {Method: payment.MethodAlipayPlus}, {Reference: "r1"},
		{Since: t0.Add(25 * time.Minute)}, {Batch: 2}, {Batch: 1}, {Batch: 1, Limit: 3}, {Batch: 1, Status: payment.StatusApproved},
		{Batch: 3}, {States: []payment.State{payment.StateCancelled, payment.StateOfflineApproved}, Limit: 4},
	} {
		got, err := st.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.List(ctx, q)
		if ids(got) == nil && ids(want) == nil {
			continue
		}
		if !reflect.DeepEqual(ids(got), ids(want)) {
			t.Errorf("List(%+v): got %v, want %v", q, ids(got), ids(want))
		}
	}
	if b, _ := st.Batch(ctx); b != 2 {
		t.Errorf("batch got %d, want 2", b)
	}
}

func ids(ts []*payment.Transaction) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestPurgeRespectsBatchQueueAndFlags(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	mk := func(n int, states ...payment.State) *payment.Transaction {
		tx := cardTxn(n, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, states...)
		return tx
	}
	done := mk(1, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved)
	queued := mk(2, toOffline...)
	declined := mk(3, append(toOffline, payment.StateForwardDeclined)...)
	forwarded := mk(4, append(toOffline, payment.StateForwarded)...)
	owed := mk(5, payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising)
	owed.ReversalPending = true
	walk(t, st, owed, payment.StateFailed)
	late := time.Now().Add(time.Duration(400*24) * time.Hour)

	if n, err := st.Purge(ctx, late); err != nil || n != 0 {
		t.Fatalf("purge with batch open: %d, %v; want 0", n, err)
	}
	st.CloseBatch(ctx, t0)
	if n, err := st.Purge(ctx, t0.Add(24*time.Hour)); err != nil || n != 0 {
		t.Fatalf("purge within retention: %d, %v; want 0", n, err)
	}
	n, err := st.Purge(ctx, late)
	if err != nil || n != 2 {
		t.Fatalf("purge: %d, %v; want 2 (approved and forwarded)", n, err)
	}
	for _, tx := range []*payment.Transaction{done, forwarded} {
		if _, err := st.Get(ctx, tx.ID); !errors.Is(err, payment.ErrNotFound) {
			t.Errorf("%s not purged", tx.ID)
		}
	}
	for _, tx := range []*payment.Transaction{queued, declined, owed} {
		if _, err := st.Get(ctx, tx.ID); err != nil {
			t.Errorf("%s (%s) purged: %v", tx.ID, tx.State, err)
		}
	}
	if fd, _ := st.ForwardDeclined(ctx); len(fd) != 1 || fd[0].ID != declined.ID {
		t.Errorf("forward-declined list: %v", ids(fd))
	}
}

func TestMigrationFromSchema1(t *testing.T) {
	st, dir := newStore(t)
	for i := range 4 {
		tx := cardTxn(i, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
	}
	// Make it look like a schema 1 journal: no counters, no batch index,
	// ids values without the batch.
	err := st.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		m.Delete(metaQueueCount)
		m.Delete(metaQueueTotal)
		if err := tx.DeleteBucket(bucketByBatch); err != nil {
			return err
		}
		ids := tx.Bucket(bucketIDs)
		old := map[string][]byte{}
		ids.ForEach(func(k, v []byte) error {
			e, _ := parseIDValue(v)
			old[string(k)] = append(seqKey(e.seq), e.state...)
			return nil
		})
		for k, v := range old {
			ids.Put([]byte(k), v)
		}
		return m.Put(metaSchema, seqKey(1))
	})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	_, err = reopen(t, dir, &Opts{ReadOnly: true})
	if err == nil {
		t.Fatal("a read-only open of an old schema should ask for a migration")
	}
	st, err = reopen(t, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := st.Exposure(context.Background())
	if e.Count != 4 || e.Total != 100+101+102+103 {
		t.Errorf("migrated exposure: %+v", e)
	}
	if l, err := st.List(context.Background(), payment.Query{Batch: 1}); err != nil || len(l) != 4 {
		t.Errorf("batch list after migration: %d, %v", len(l), err)
	}
	// The stale-write check and the queue read the migrated index.
	stale := cardTxn(0, t0)
	if err := st.Save(context.Background(), stale); !errors.Is(err, ErrStale) {
		t.Errorf("stale save after migration: %v", err)
	}
	tx, err := st.Get(context.Background(), stale.ID)
	if err != nil {
		t.Fatal(err)
	}
	walk(t, st, tx, payment.StateForwarded)
	if e, _ := st.Exposure(context.Background()); e.Count != 3 {
		t.Errorf("exposure after forwarding a migrated payment: %+v", e)
	}
	st.db.View(func(tx *bolt.Tx) error {
		if v := u64(tx.Bucket(bucketMeta).Get(metaSchema)); v != schemaVersion {
			t.Errorf("schema after migration %d, want %d", v, schemaVersion)
		}
		return nil
	})
	st.Close()
	st.db.Close()
	// A newer schema is refused.
	db, _ := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(metaSchema, seqKey(99)) })
	db.Close()
	if _, err := reopen(t, dir, nil); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("schema 99: got %v, want ErrNewerSchema", err)
	}
}

func TestLockedAndClosed(t *testing.T) {
	st, dir := newStore(t)
	if _, err := reopen(t, dir, &Opts{LockTimeout: 50 * time.Millisecond}); !errors.Is(err, ErrLocked) {
		t.Errorf("second open: got %v, want ErrLocked", err)
	}
	st.Close()
	if err := st.Save(context.Background(), cardTxn(1, t0)); !errors.Is(err, ErrClosed) {
		t.Errorf("save after close: got %v, want ErrClosed", err)
	}
}

// TestConsistencyCheckOption: a damaged leaf page goes unnoticed by a plain
// Open (it reads meta only) and is refused by Opts.Check.
func TestConsistencyCheckOption(t *testing.T) {
	st, dir := newStore(t)
	for i := range 300 {
		saveNew(t, st, cardTxn(i, t0))
	}
	st.Close()
	path := filepath.Join(dir, FileName)
	b, _ := os.ReadFile(path)
	healthy, err := reopen(t, dir, &Opts{Check: true})
	if err != nil {
		t.Fatalf("healthy journal refused by the check: %v", err)
	}
	healthy.Close()
	// Find a leaf page (flags 0x02 at offset 8 of the page header) holding
	// records and give it an invalid page type.
	damaged := false
	for p := 2; p*4096+4096 <= len(b); p++ {
		page := b[p*4096 : p*4096+4096]
		if page[8] == 0x02 && bytes.Contains(page, []byte(`"order_id"`)) && int(page[0]) == p%256 {
			page[8] = 0x40
			damaged = true
			break
		}
	}
	if !damaged {
		t.Fatal("no leaf page found")
	}
	os.WriteFile(path, b, 0o600)
	st2, err := reopen(t, dir, nil)
	if err != nil {
		t.Fatalf("plain open read past meta: %v", err)
	}
	st2.Close()
	if _, err := reopen(t, dir, &Opts{Check: true}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("checked open: got %v, want ErrCorrupt", err)
	}
}

// TestDamagedPagesNeverPanic scribbles over pages of a journal: every call
// either works or answers an error — no panic, no fault, no reset.
func TestDamagedPagesNeverPanic(t *testing.T) {
	st, dir := newStore(t)
	for i := range 300 {
		tx := cardTxn(i, t0)
		saveNew(t, st, tx)
		walk(t, st, tx, toOffline...)
	}
	st.Close()
	path := filepath.Join(dir, FileName)
	good, _ := os.ReadFile(path)
	pages := len(good) / 4096
	refused := 0
	for seed := range 40 {
		c := bytes.Clone(good)
		p := 2 + (seed*7919)%(pages-2) // never the meta pages: they have checksums
		for j := 0; j < 4096; j += 1 + seed%5 {
			c[p*4096+j] ^= byte(0x5A + seed)
		}
		os.WriteFile(path, c, 0o600)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("page %d: panic escaped: %v", p, r)
				}
			}()
			st, err := reopen(t, dir, nil)
			if err != nil {
				refused++
				return
			}
			defer st.Close()
			ctx := context.Background()
			_, err1 := st.List(ctx, payment.Query{})
			_, err2 := st.Queue(ctx, 0)
			_, err3 := st.Exposure(ctx)
			_, err4 := Recover(ctx, st, nil, nil)
			if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
				refused++
			}
		}()
	}
	if refused == 0 {
		t.Error("no damage was ever detected: the test damages nothing that is read")
	}
	t.Logf("%d of 40 damaged files refused", refused)
}

func TestCloseBatchPurgesPastRetention(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), CreateKey: true, Retention: 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	old := cardTxn(1, t0)
	saveNew(t, st, old)
	walk(t, st, old, payment.StateAwaitingCustomer, payment.StateCancelled)
	recent := cardTxn(2, t0.Add(47*time.Hour))
	saveNew(t, st, recent)
	walk(t, st, recent, payment.StateAwaitingCustomer, payment.StateCancelled)
	if _, err := st.CloseBatch(ctx, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, old.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("closed batch, past retention: %v, want purged", err)
	}
	if _, err := st.Get(ctx, recent.ID); err != nil {
		t.Errorf("within retention: %v", err)
	}
}

// Only a damaged file is reported as corruption: a bug in the code running
// inside a journal transaction still panics, with its own message.
func TestBugInTransactionIsNotCorruption(t *testing.T) {
	st, _ := newStore(t)
	for _, tc := range []struct {
		name    string
		fn      func()
		corrupt bool
	}{
		{"index out of range", func() { var a []int; _ = a[len(a)+1] }, false},
		{"integer divide by zero", func() { zero := func() int { return 0 }; _ = 1 / zero() }, false},
		{"bbolt page panic", func() { panic("invalid page type: 7: 10") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			panicked := func() (p any) {
				defer func() { p = recover() }()
				err = st.view(func(*bolt.Tx) error { tc.fn(); return nil })
				return nil
			}()
			if tc.corrupt != (err != nil && errors.Is(err, ErrCorrupt)) || tc.corrupt == (panicked != nil) {
				t.Errorf("err %v, panic %v; want corrupt=%v", err, panicked, tc.corrupt)
			}
		})
	}
}
