package payment

import (
	"log/slog"
	"strings"

	"tpe/payment/emv"
)

// PAN is a primary account number: the kernel's type, which never shows
// more than the first six and last four digits when printed, logged or
// marshalled; Digits is the one explicit way to the full number (sealing).
type PAN = emv.PAN

// NewPAN holds digits (spaces are dropped).
func NewPAN(digits string) PAN { return emv.NewPAN(strings.ReplaceAll(digits, " ", "")) }

// NewMaskedPAN holds only the printable form of a PAN (first six / last
// four at most, as PAN.Masked returns it): what the journal keeps of a card
// once its payment no longer needs the card data. Receipts and reprints
// print it like the real PAN; Digits is empty.
func NewMaskedPAN(masked string) PAN { return emv.NewMaskedPAN(strings.ReplaceAll(masked, " ", "")) }

// Secret holds sensitive bytes (track 2, ICC data, cryptograms, keys). It
// prints, logs and marshals as a placeholder; Reveal returns the bytes.
type Secret struct{ b []byte }

// NewSecret holds a copy of b.
func NewSecret(b []byte) Secret { return Secret{append([]byte(nil), b...)} }

// Reveal returns the bytes. Only sealing code may call it.
func (s Secret) Reveal() []byte { return s.b }

// Len is the number of bytes held.
func (s Secret) Len() int { return len(s.b) }

func (s Secret) String() string               { return "[redacted]" }
func (s Secret) GoString() string             { return "payment.Secret([redacted])" }
func (s Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

// CardData is what the kernel read from a card. PAN, Track2 and ICC are
// sensitive: they travel to the gateway sealed, and the journal keeps them
// (sealed) only while an offline approval waits to be forwarded; otherwise
// it keeps the masked PAN alone (see NewMaskedPAN).
type CardData struct {
	Brand          string `json:"brand"` // visa, mastercard, cb, maestro, amex
	AID            string `json:"aid"`
	Label          string `json:"label"`
	PAN            PAN    `json:"pan"`    // marshals masked
	Expiry         string `json:"expiry"` // YYMM
	PANSeq         string `json:"pan_seq,omitempty"`
	Track2         Secret `json:"-"`
	ICC            Secret `json:"-"`               // EMV TLV for online authorisation
	CryptogramType string `json:"cryptogram_type"` // ARQC, TC, AAC
	CVM            string `json:"cvm"`             // no_cvm, cdcvm, signature, online_pin
	EntryMode      string `json:"entry_mode"`      // contactless
	ATC            int    `json:"atc,omitempty"`
}

// CardOutcome is the contactless kernel's final outcome.
type CardOutcome string

const (
	CardOnlineRequest       CardOutcome = "online_request" // ARQC: go online
	CardApproved            CardOutcome = "approved"       // TC: approved offline by the card
	CardDeclined            CardOutcome = "declined"       // AAC
	CardTryAnotherInterface CardOutcome = "try_another_interface"
	CardEndApplication      CardOutcome = "end_application"
	CardNotAccepted         CardOutcome = "not_accepted"
)

// CardResult is one card read: the kernel's outcome and the card data.
type CardResult struct {
	Outcome CardOutcome
	Reason  string // why, in plain words, for the cashier and the logs
	// OfflineAllowed is false when the card's outcome forbids an offline
	// approval (offline data authentication failed, card requires online).
	OfflineAllowed bool
	Card           CardData
}
