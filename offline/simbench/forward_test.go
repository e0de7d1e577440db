package simbench

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"

	"tpe/offline"
	"tpe/payment"
	"tpe/payment/gateway"
	"tpe/payment/gateway/gatewaysim"
	"tpe/payment/paymenttest"
)

// BenchmarkForward10kSim forwards 10 000 queued offline approvals (the
// budget's number) to the gateway simulator over loopback HTTP with the real
// gateway client and the forwarder's defaults: advice batches of 100, at
// most 4 requests in flight, card data sealed to the simulator's P-256 key
// (ECDH-ES+A256KW, one key agreement per batch: with one per advice the
// two scalar multiplications per card were half the CPU; with RSA-OAEP-2048
// the simulator's decryption alone took 12 of the former 16 s). Besides
// ns/op it reports cpu-s, the process's CPU time over the forward: on a
// shared machine wall time follows the load, CPU time much less.
//
// TPE_BENCH_N=1000 makes a quick run; TPE_BENCH_CPUPROFILE=FILE profiles
// the forward alone (not the queue's set-up).
func BenchmarkForward10kSim(b *testing.B) {
	benchForward(b, 0)
}

// BenchmarkForward10kSimWAN is BenchmarkForward10kSim with 50 ms added to
// every gateway reply (a shop's link), at most 4 requests in flight.
func BenchmarkForward10kSimWAN(b *testing.B) {
	benchForward(b, 50*time.Millisecond)
}

func benchForward(b *testing.B, latency time.Duration) {
	n := 10_000
	if v, _ := strconv.Atoi(os.Getenv("TPE_BENCH_N")); v > 0 {
		n = v
	}
	var cpu time.Duration
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		sim, err := gatewaysim.New(filepath.Join(dir, "sim"), &gatewaysim.Opts{
			VerifyCryptogram: func(string, string, []byte) error { return nil },
			Latency:          latency,
		})
		if err != nil {
			b.Fatal(err)
		}
		ts := httptest.NewServer(sim)
		gw, err := gateway.New(ts.URL, &gateway.Opts{Originator: gatewaysim.DevOriginator, Password: gatewaysim.DevPassword, TerminalID: "T1"})
		if err != nil {
			b.Fatal(err)
		}
		st, err := offline.Open(filepath.Join(dir, offline.FileName), &offline.Opts{KeyFile: filepath.Join(dir, offline.KeyName), CreateKey: true})
		if err != nil {
			b.Fatal(err)
		}
		queue(b, st, n)
		f := offline.NewForwarder(st, gw, &offline.ForwarderOpts{Concurrency: 4})
		stopProfile := profile(b)
		before := cpuTime()
		b.StartTimer()
		settled, err := f.ForwardNow(context.Background())
		b.StopTimer()
		cpu += cpuTime() - before
		stopProfile()
		if err != nil || settled != n {
			b.Fatalf("forwarded %d, %v", settled, err)
		}
		if fd, _ := st.ForwardDeclined(context.Background()); len(fd) != 0 {
			b.Fatalf("%d declined: %s", len(fd), fd[0].Reason)
		}
		if got := len(sim.Ledger()); got != n {
			b.Fatalf("the gateway recorded %d sales for %d payments", got, n)
		}
		st.Close()
		ts.Close()
		sim.Close()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// profile starts a CPU profile into TPE_BENCH_CPUPROFILE when set.
func profile(b *testing.B) (stop func()) {
	path := os.Getenv("TPE_BENCH_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	fh, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(fh); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); fh.Close() }
}

// queue records n offline approvals, each in one durable Save of its
// final state (the history it went through is in the record).
func queue(b *testing.B, st *offline.Store, n int) {
	at := time.Now().Add(-time.Hour)
	for i := range n {
		card := paymenttest.VisaOnline().Card
		amount := int64(100 + i)
		// ICC data carrying the authorised amount (9F02), which the simulator checks.
		amt, _ := hex.DecodeString(fmt.Sprintf("%012d", amount))
		card.ICC = payment.NewSecret(append([]byte{0x9F, 0x02, 0x06}, amt...))
		t := &payment.Transaction{
			ID: fmt.Sprintf("pay_%06d", i), OrderID: fmt.Sprintf("T1-bench-%06d", i), Method: payment.MethodCard,
			State: payment.StateCreated, Amount: payment.Amount{Minor: amount, Currency: "EUR"}, Batch: 1,
			Card: &card, CreatedAt: at, UpdatedAt: at,
		}
		for _, s := range []payment.State{payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved} {
			if err := t.Transition(s, at, ""); err != nil {
				b.Fatal(err)
			}
		}
		if err := st.Save(context.Background(), t); err != nil {
			b.Fatal(err)
		}
	}
}
