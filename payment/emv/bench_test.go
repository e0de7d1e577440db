package emv_test

import (
	"context"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

// zeroRand makes the unpredictable number constant so a recorded session
// replays byte for byte.
type zeroRand struct{}

func (zeroRand) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// replay answers recorded exchanges: the in-memory card of the benchmark,
// costing nothing but a map lookup, so only kernel CPU is measured.
type replay map[string][]byte

func (r replay) Transceive(_ context.Context, c []byte) ([]byte, error) { return r[string(c)], nil }

type recorder struct {
	card emv.Card
	log  replay
}

func (r *recorder) Transceive(ctx context.Context, c []byte) ([]byte, error) {
	resp, err := r.card.Transceive(ctx, c)
	r.log[string(c)] = resp
	return resp, err
}

func record(tb testing.TB, cfg *emv.Config, profile string, amount int64) replay {
	card, err := cardsim.New(profile)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &recorder{card: card, log: replay{}}
	txn := emv.Transaction{Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}
	if _, err := emv.New(cfg).Run(context.Background(), rec, txn); err != nil {
		tb.Fatal(err)
	}
	return rec.log
}

func benchKernel(b *testing.B, profile string, amount, floor int64, want emv.Outcome) {
	cfg := testConfig(floor)
	cfg.Rand = zeroRand{}
	card := record(b, cfg, profile, amount)
	k := emv.New(cfg)
	txn := emv.Transaction{Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := k.Run(ctx, card, txn)
		if err != nil || res.Outcome != want {
			b.Fatalf("got %v %v, want %s", res, err, want)
		}
	}
}

// BenchmarkKernel is the make-bench row "kernel CPU per transaction": a
// full Visa qVSDC transaction (PPSE, SELECT, GPO, 3 READ RECORDs) against
// an in-memory card, offline-approved with fDDA — the heaviest kernel 3
// path: issuer key (cached after the first run), ICC key recovery and
// SDAD verification.
func BenchmarkKernel(b *testing.B) { benchKernel(b, "visa-credit", 1000, 2000, emv.OutcomeApproved) }

// BenchmarkKernelVisaOnline is the common case: ARQC, no ODA.
func BenchmarkKernelVisaOnline(b *testing.B) {
	benchKernel(b, "visa-credit", 1000, 0, emv.OutcomeOnlineRequest)
}

// BenchmarkKernelMastercardCDA is kernel 2 with CDA and GENERATE AC.
func BenchmarkKernelMastercardCDA(b *testing.B) {
	benchKernel(b, "mastercard", 1000, 0, emv.OutcomeOnlineRequest)
}

// BenchmarkKernelWithCardsim includes the virtual card's own work (RSA
// signing of the fDDA signature), i.e. kernel + simulated card CPU.
func BenchmarkKernelWithCardsim(b *testing.B) {
	cfg := testConfig(2000)
	card, _ := cardsim.New("visa-credit")
	k := emv.New(cfg)
	txn := emv.Transaction{Amount: 1000, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}
	for b.Loop() {
		if res, err := k.Run(context.Background(), card, txn); err != nil || res.Outcome != emv.OutcomeApproved {
			b.Fatalf("got %v %v", res, err)
		}
	}
}

// BenchmarkKernelColdCache is BenchmarkKernel with a new Kernel for every
// transaction, so the issuer key is recovered from its certificate each
// time (what the issuer-key cache saves).
func BenchmarkKernelColdCache(b *testing.B) {
	cfg := testConfig(2000)
	cfg.Rand = zeroRand{}
	card := record(b, cfg, "visa-credit", 1000)
	txn := emv.Transaction{Amount: 1000, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}
	for b.Loop() {
		if res, err := emv.New(cfg).Run(context.Background(), card, txn); err != nil || res.Outcome != emv.OutcomeApproved {
			b.Fatalf("got %v %v", res, err)
		}
	}
}
