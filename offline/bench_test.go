package offline

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

// fill writes n transactions in one bbolt transaction (one fsync): fixture
// generation, not what the benchmarks measure. stateOf picks each one's state.
func fill(tb testing.TB, st *Store, n int, stateOf func(i int) payment.State, edit ...func(int, *payment.Transaction)) {
	tb.Helper()
	err := st.db.Update(func(tx *bolt.Tx) error {
		for i := range n {
			t := cardTxn(i, t0.Add(time.Duration(i)*time.Second))
			t.State = stateOf(i)
			t.Offline = t.State == payment.StateOfflineApproved
			t.History = append(t.History, payment.Step{State: t.State, At: t.CreatedAt})
			for _, e := range edit {
				e(i, t)
			}
			if _, err := st.put(tx, t, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkJournalStateChange is one durable Save of a card payment moving
// through its states (a new payment every fifth save): sealing, indexes,
// queue and fsync. Compare with BenchmarkRawBoltPutSync (budget ≤ 1.3×).
func BenchmarkJournalStateChange(b *testing.B) {
	st, _ := newStore(b)
	ctx := context.Background()
	steps := []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved}
	var tx *payment.Transaction
	b.ResetTimer()
	for i := range b.N {
		if i%5 == 0 {
			tx = cardTxn(i, t0)
		} else {
			tx.Transition(steps[i%5-1], t0, "")
		}
		if err := st.Save(ctx, tx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawBoltPutSync is the floor: one bbolt Update (default options,
// fsync) putting one record of the journal's record size under a sequence key.
func BenchmarkRawBoltPutSync(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	st, _ := newStore(b)
	rec, _ := encode(st.aead, cardTxn(1, t0))
	val := make([]byte, len(rec))
	rand.Read(val)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	b.ResetTimer()
	for i := range b.N {
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("b")).Put(seqKey(uint64(i)), val)
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForward10k forwards 10 000 queued offline approvals to an
// in-memory gateway without batches: the forwarder's and the journal's own
// cost, one sale per advice. The rate cap is off: with it (50 requests a
// second by default) the run would measure the cap, 200 s. The budget row
// against the real simulator is simbench's BenchmarkForward10kSim.
func BenchmarkForward10k(b *testing.B) {
	const n = 10_000
	for range b.N {
		b.StopTimer()
		st, _ := newStore(b)
		fill(b, st, n, func(int) payment.State { return payment.StateOfflineApproved })
		gw := &paymenttest.Gateway{}
		f := NewForwarder(st, gw, &ForwarderOpts{Rate: -1})
		b.StartTimer()
		settled, err := f.ForwardNow(context.Background())
		b.StopTimer()
		if err != nil || settled != n {
			b.Fatalf("forwarded %d, %v", settled, err)
		}
		st.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/10k")
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

func cleanupFixtures() {
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
}

// fixture100k is a journal of 100 000 transactions (50 of them queued),
// built once per test binary run.
func fixture100k(b *testing.B) string {
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "offline-bench-")
		if fixtureErr != nil {
			return
		}
		st, err := Open(filepath.Join(fixtureDir, FileName), &Opts{KeyFile: filepath.Join(fixtureDir, KeyName), CreateKey: true})
		if err != nil {
			fixtureErr = err
			return
		}
		defer st.Close()
		fill(b, st, 100_000, func(i int) payment.State {
			if i >= 100_000-50 {
				return payment.StateOfflineApproved
			}
			return payment.StateApproved
		}, func(i int, t *payment.Transaction) { t.Batch = i/1000 + 1 }) // 100 days of 1 000
	})
	if fixtureErr != nil {
		b.Fatal(fixtureErr)
	}
	return fixtureDir
}

// BenchmarkOpen100k opens a journal of 100 000 transactions and reads its
// exposure and stats: the boot path, which must not scan the records.
func BenchmarkOpen100k(b *testing.B) {
	dir := fixture100k(b)
	fi, _ := os.Stat(filepath.Join(dir, FileName))
	b.ResetTimer()
	for range b.N {
		st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName)})
		if err != nil {
			b.Fatal(err)
		}
		e, err := st.Exposure(context.Background())
		if err != nil || e.Count != 50 {
			b.Fatalf("exposure %+v, %v", e, err)
		}
		if s, err := st.Stats(context.Background()); err != nil || s.Transactions != 100_000 {
			b.Fatalf("stats %+v, %v", s, err)
		}
		st.Close()
	}
	b.ReportMetric(float64(fi.Size())/(1<<20), "MiB-file")
}

// BenchmarkReportBatch100k lists one batch of 1 000 payments (an X or Z
// report) out of a journal of 100 000, through the bybatch index.
func BenchmarkReportBatch100k(b *testing.B) {
	dir := fixture100k(b)
	st, err := Open(filepath.Join(dir, FileName), &Opts{KeyFile: filepath.Join(dir, KeyName), ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for range b.N {
		l, err := st.List(context.Background(), payment.Query{Batch: 100})
		if err != nil || len(l) != 1000 {
			b.Fatalf("%d, %v", len(l), err)
		}
	}
}

// BenchmarkJournalVsRawRatio interleaves a journal state change and a raw
// bbolt put+fsync of the same size on the same disk, so that load from
// other processes hits both alike, and reports their ratio (budget ≤ 1.3).
func BenchmarkJournalVsRawRatio(b *testing.B) {
	st, _ := newStore(b)
	db, err := bolt.Open(filepath.Join(b.TempDir(), "raw.db"), 0o600, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rec, _ := encode(st.aead, cardTxn(1, t0))
	val := make([]byte, len(rec))
	rand.Read(val)
	db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("b")); return err })
	ctx := context.Background()
	steps := []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateAuthorising, payment.StateApproved}
	var tx *payment.Transaction
	var journal, raw time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%5 == 0 {
			tx = cardTxn(i, t0)
		} else {
			tx.Transition(steps[i%5-1], t0, "")
		}
		start := time.Now()
		if err := st.Save(ctx, tx); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		err := db.Update(func(btx *bolt.Tx) error { return btx.Bucket([]byte("b")).Put(seqKey(uint64(i)), val) })
		if err != nil {
			b.Fatal(err)
		}
		journal += mid.Sub(start)
		raw += time.Since(mid)
	}
	b.ReportMetric(float64(journal.Nanoseconds())/float64(b.N), "journal-ns/op")
	b.ReportMetric(float64(raw.Nanoseconds())/float64(b.N), "raw-ns/op")
	b.ReportMetric(float64(journal)/float64(raw), "ratio")
}
