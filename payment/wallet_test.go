package payment_test

import (
	"context"
	"strings"
	"testing"

	"tpe/payment"
	"tpe/payment/paymenttest"
)

func TestLookupWallet(t *testing.T) {
	for _, tt := range []struct {
		in, code, name string
	}{
		{"Alipay+", "alipayplus", "Alipay+"},
		{"alipayplus", "alipayplus", "Alipay+"},
		{"ALIPAY+", "alipayplus", "Alipay+"},
		{"Alipay", "alipay", "Alipay"},
		{"alipay", "alipay", "Alipay"},
		{"ALIPAY_CN", "alipay", "Alipay"},
		{"AlipayHK", "alipayhk", "AlipayHK"},
		{"ALIPAY_HK", "alipayhk", "AlipayHK"},
		{"GCASH", "gcash", "GCash"},
		{"Kakao Pay", "kakaopay", "Kakao Pay"},
		{"KAKAOPAY", "kakaopay", "Kakao Pay"},
		{"Touch 'n Go", "touchngo", "Touch 'n Go"},
		{"TNG", "touchngo", "Touch 'n Go"},
		{"truemoney", "truemoney", "TrueMoney"},
		{"DANA", "dana", "DANA"},
		{" NaverPay ", "naverpay", "NaverPay"}, // unknown: its own name, a folded code
		{"", "", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			w := payment.LookupWallet(tt.in)
			if w.Code != tt.code || w.Name != tt.name {
				t.Errorf("LookupWallet(%q) = %+v, want {%s %s}", tt.in, w, tt.code, tt.name)
			}
			if again := payment.WalletCode(w.Code); again != w.Code {
				t.Errorf("the code %q is not its own code: %q", w.Code, again)
			}
			if again := payment.WalletCode(w.Name); again != w.Code {
				t.Errorf("the name %q has code %q, want %q", w.Name, again, w.Code)
			}
		})
	}
	seen := map[string]bool{}
	for _, w := range payment.PartnerWallets() {
		if w.Code == payment.WalletAlipayPlus || seen[w.Code] || payment.WalletCode(w.Name) != w.Code {
			t.Errorf("partner wallet %+v: generic, repeated, or its name is not its code", w)
		}
		seen[w.Code] = true
	}
}

// scriptedWallets approves each payment as the next wallet of its script,
// spelled the way the gateway does.
type scriptedWallets struct {
	update []string // the wallet an MPM update names
	result []string // the wallet that paid
}

func (w *scriptedWallets) Pay(_ context.Context, req payment.WalletRequest, update func(payment.WalletUpdate)) (payment.WalletResult, error) {
	u, r := w.update[0], w.result[0]
	w.update, w.result = w.update[1:], w.result[1:]
	if req.BuyerCode == "" {
		update(payment.WalletUpdate{QR: "https://qr.example/" + req.OrderID, Wallet: u})
	}
	return payment.WalletResult{Approved: true, Wallet: r, GatewayID: "w-" + req.OrderID, Code: "000"}, nil
}

func (w *scriptedWallets) Refund(context.Context, string, payment.Amount) (payment.GatewayResult, error) {
	return payment.GatewayResult{Approved: true}, nil
}

// TestReportOneLinePerWallet takes Alipay+ payments, merchant-presented
// (MPM) and customer-presented (CPM), whose wallets the gateway spells in
// several ways: the X report has one line per wallet, on screen and paper.
func TestReportOneLinePerWallet(t *testing.T) {
	ctx := context.Background()
	pays := []struct {
		code           string // CPM buyer code; empty: MPM
		update, result string
		amount         int64
	}{
		{"", "Alipay+", "Alipay", 1000},
		{"", "Alipay+", "alipay", 500},
		{"281234567890123456", "", "ALIPAY_CN", 250},
		{"", "Alipay+", "GCash", 700},
		{"281011021234567890123456", "", "GCASH", 300},
		{"", "Alipay+", "", 100}, // the gateway never said which wallet
		{"", "alipay+", "Alipay+", 50},
		{"281013029999888877776666", "", "TNG", 200},
		{"", "", "Touch 'n Go", 400},
	}
	w := &scriptedWallets{}
	for _, p := range pays {
		w.update, w.result = append(w.update, p.update), append(w.result, p.result)
	}
	j := paymenttest.NewJournal()
	s, err := payment.New(payment.Opts{Merchant: shop, Currency: "EUR", Journal: j, Card: payment.CardPorts{Gateway: &paymenttest.Gateway{}}, Wallet: payment.WalletPorts{Wallets: w}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range pays {
		if _, err := s.Pay(ctx, payment.Request{Amount: euros(p.amount), Method: payment.MethodAlipayPlus, BuyerCode: p.code}); err != nil {
			t.Fatal(err)
		}
		s.Wait()
	}
	r, err := s.Report(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		count int
		total int64
	}{
		"alipay":                 {3, 1750},
		"gcash":                  {2, 1000},
		"touchngo":               {2, 600},
		payment.WalletAlipayPlus: {2, 150},
	}
	if len(r.Lines) != len(want) {
		t.Fatalf("%d report lines, want %d: %+v", len(r.Lines), len(want), r.Lines)
	}
	for _, l := range r.Lines {
		if w, ok := want[l.Brand]; !ok || l.SalesCount != w.count || l.SalesTotal != w.total {
			t.Errorf("line %s %q: %d for %d, want %+v", l.Method, l.Brand, l.SalesCount, l.SalesTotal, w)
		}
	}
	for _, lang := range []string{"fr", "en"} {
		text := payment.ReportText(r, shop, lang)
		for _, name := range []string{"ALIPAY+ ALIPAY\n", "ALIPAY+ GCASH\n", "ALIPAY+ TOUCH 'N GO\n", "ALIPAY+\n"} {
			if n := strings.Count(text, name); n != 1 {
				t.Errorf("%s: %d lines %q, want 1:\n%s", lang, n, strings.TrimSpace(name), text)
			}
		}
	}
}
