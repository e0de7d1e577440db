package payment

import (
	"context"
	"fmt"

	"tpe/device/nfc"
	"tpe/payment/emv"
)

// EMVReader is the production CardReader: it waits for a card on a
// contactless reader and runs the EMV kernel over it.
type EMVReader struct {
	reader nfc.Reader
	kernel *emv.Kernel
}

var _ CardReader = (*EMVReader)(nil)

// NewEMVReader joins a reader and a kernel.
func NewEMVReader(r nfc.Reader, k *emv.Kernel) *EMVReader { return &EMVReader{reader: r, kernel: k} }

// ReadCard detects a card and runs one kernel transaction. Every card
// misbehaviour is an outcome; an error means the reader failed or ctx ended.
func (e *EMVReader) ReadCard(ctx context.Context, req CardRequest) (CardResult, error) {
	numeric, ok := CurrencyNumeric(req.Amount.Currency)
	if !ok {
		return CardResult{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, req.Amount.Currency)
	}
	exp, _ := CurrencyExponent(req.Amount.Currency)
	card, err := e.reader.Detect(ctx)
	if err != nil {
		return CardResult{}, fmt.Errorf("payment: waiting for a card: %w", err)
	}
	typ := emv.Purchase
	if req.Refund {
		typ = emv.Refund
	}
	res, err := e.kernel.Run(ctx, card, emv.Transaction{
		Amount: req.Amount.Minor, CurrencyNumeric: uint16(numeric), CurrencyExponent: exp,
		Date: req.At, Type: typ, ForceOnline: req.ForceOnline,
	})
	if err != nil {
		return CardResult{}, fmt.Errorf("payment: card transaction: %w", err)
	}
	return cardResult(res), nil
}

// cardResult converts the kernel's result; sensitive data stays in
// redacting types all the way.
func cardResult(r *emv.Result) CardResult {
	out := CardResult{Outcome: CardOutcome(r.Outcome), Reason: r.Reason}
	if r.Outcome == emv.OutcomeSelectNext {
		out.Outcome = CardEndApplication
	}
	// Offline approval is only possible for a card whose data the terminal
	// authenticated offline (fDDA/CDA): otherwise a cloned card could be
	// "approved" without the issuer ever seeing it.
	out.OfflineAllowed = r.ODA == emv.ODAFDDAOK || r.ODA == emv.ODACDAOK
	out.Card = CardData{
		Brand: string(r.Brand), AID: r.AID, Label: r.Label, PAN: r.PAN,
		Expiry: r.Expiry, Track2: NewSecret(r.Track2.Reveal()), ICC: NewSecret(r.ICC.Reveal()),
		CryptogramType: string(r.CryptogramType), CVM: string(r.CVM), EntryMode: "contactless", ATC: int(r.ATC),
	}
	if r.PANSeq >= 0 {
		out.Card.PANSeq = fmt.Sprintf("%02d", r.PANSeq)
	}
	return out
}
