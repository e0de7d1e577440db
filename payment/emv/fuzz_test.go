package emv_test

import (
	"context"
	"encoding/binary"
	"testing"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

// stream is a card whose answers are taken in order from fuzz data:
// 2-byte big-endian length, then the response. When data runs out it
// answers 9000 with no data, the most tempting answer for a loop.
type stream struct{ data []byte }

func (s *stream) Transceive(_ context.Context, _ []byte) ([]byte, error) {
	if len(s.data) < 2 {
		return []byte{0x90, 0x00}, nil
	}
	n := int(binary.BigEndian.Uint16(s.data))
	s.data = s.data[2:]
	n = min(n, len(s.data))
	r := s.data[:n]
	s.data = s.data[n:]
	return r, nil
}

// recordStream runs a virtual card and encodes its answers as a seed.
type streamRecorder struct {
	card emv.Card
	out  []byte
}

func (r *streamRecorder) Transceive(ctx context.Context, c []byte) ([]byte, error) {
	resp, err := r.card.Transceive(ctx, c)
	r.out = binary.BigEndian.AppendUint16(r.out, uint16(len(resp)))
	r.out = append(r.out, resp...)
	return resp, err
}

func FuzzKernel(f *testing.F) {
	cfg := testConfig(2000)
	cfg.Rand = zeroRand{}
	for _, p := range []string{"visa-credit", "mastercard", "cb-visa", "phone-cdcvm", "malformed-record", "amex"} {
		for _, amount := range []int64{1000, 6000} {
			card, err := cardsim.New(p)
			if err != nil {
				f.Fatal(err)
			}
			rec := &streamRecorder{card: card}
			if _, err := emv.New(cfg).Run(context.Background(), rec, emv.Transaction{Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}); err != nil {
				f.Fatal(err)
			}
			f.Add(amount, rec.out)
		}
	}
	k := emv.New(cfg)
	f.Fuzz(func(t *testing.T, amount int64, data []byte) {
		res, err := k.Run(context.Background(), &stream{data: data}, emv.Transaction{Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate})
		if err != nil {
			t.Fatalf("card answers gave an error instead of an outcome: %v", err)
		}
		if res.Outcome == "" || res.Reason == "" {
			t.Fatalf("no outcome or reason: %+v", res)
		}
		if res.APDUs > cfg.MaxAPDUs {
			t.Fatalf("%d apdus, budget %d", res.APDUs, cfg.MaxAPDUs)
		}
		if res.Outcome == emv.OutcomeApproved && res.ODA != emv.ODAFDDAOK && res.ODA != emv.ODACDAOK {
			t.Fatalf("approved without ODA: %+v", res)
		}
	})
}

// splice answers like a real virtual card except for the n-th exchange,
// whose answer is the fuzz data: every parser and rule at every step gets
// hostile input with a realistic session around it.
type splice struct {
	card emv.Card
	n    int
	data []byte
}

func (s *splice) Transceive(ctx context.Context, c []byte) ([]byte, error) {
	r, err := s.card.Transceive(ctx, c)
	if s.n == 0 {
		r = s.data
	}
	s.n--
	return r, err
}

func FuzzKernelStep(f *testing.F) {
	cfg := testConfig(2000)
	cfg.Rand = zeroRand{}
	profiles := []string{"visa-credit", "mastercard", "cb-visa", "phone-cdcvm"}
	for i, p := range profiles {
		card, _ := cardsim.New(p)
		rec := &recorder{card: card, log: replay{}}
		var seq [][]byte
		seqRec := &mutator{card: rec, fn: func(_, r []byte) []byte { seq = append(seq, r); return r }}
		if _, err := emv.New(cfg).Run(context.Background(), seqRec, emv.Transaction{Amount: 1000, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate}); err != nil {
			f.Fatal(err)
		}
		for step, r := range seq {
			f.Add(uint8(i), uint8(step), int64(1000), r)
		}
	}
	k := emv.New(cfg)
	f.Fuzz(func(t *testing.T, profile, step uint8, amount int64, data []byte) {
		card, _ := cardsim.New(profiles[int(profile)%len(profiles)])
		res, err := k.Run(context.Background(), &splice{card: card, n: int(step % 12), data: data},
			emv.Transaction{Amount: amount, CurrencyNumeric: 978, CurrencyExponent: 2, Date: txnDate})
		if err != nil {
			t.Fatalf("card answers gave an error instead of an outcome: %v", err)
		}
		if res.Outcome == "" || res.Reason == "" || res.APDUs > cfg.MaxAPDUs {
			t.Fatalf("bad result: %s %q %d apdus", res.Outcome, res.Reason, res.APDUs)
		}
		if res.Outcome == emv.OutcomeApproved && res.ODA != emv.ODAFDDAOK && res.ODA != emv.ODACDAOK {
			t.Fatalf("approved without ODA: %s", res.Reason)
		}
	})
}
