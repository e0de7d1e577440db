package simbench

import (
	"context"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
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
// gateway client. Each Sale seals the card data to the gateway's RSA key
// (JWE RSA-OAEP), and the simulator's decryption (~1.6 ms of CPU) dominates.
// TPE_BENCH_N=1000 makes a quick run.
func BenchmarkForward10kSim(b *testing.B) {
	n := 10_000
	if v, _ := strconv.Atoi(os.Getenv("TPE_BENCH_N")); v > 0 {
		n = v
	}
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		sim, err := gatewaysim.New(filepath.Join(dir, "sim"), &gatewaysim.Opts{
			VerifyCryptogram: func(string, string, []byte) error { return nil },
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
		f := offline.NewForwarder(st, gw, nil)
		b.StartTimer()
		settled, err := f.ForwardNow(context.Background())
		b.StopTimer()
		if err != nil || settled != n {
			b.Fatalf("forwarded %d, %v", settled, err)
		}
		if fd, _ := st.ForwardDeclined(context.Background()); len(fd) != 0 {
			b.Fatalf("%d declined: %s", len(fd), fd[0].Reason)
		}
		st.Close()
		ts.Close()
		sim.Close()
		b.StartTimer()
	}
}

// queue records n offline approvals through Save (one fsync per state).
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
		for _, s := range []payment.State{"", payment.StateAwaitingCustomer, payment.StateCardRead, payment.StateOfflineApproved} {
			if s != "" {
				t.Transition(s, at, "")
			}
			if err := st.Save(context.Background(), t); err != nil {
				b.Fatal(err)
			}
		}
	}
}
