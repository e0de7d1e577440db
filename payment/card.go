package payment

import (
	"encoding/json"
	"log/slog"
	"strings"
)

// PAN is a primary account number. Its String, LogValue and JSON forms show at
// most the first six and last four digits, so a PAN cannot leak by accident;
// Digits is the one explicit way to the full number (for sealing it for the
// gateway or the journal).
type PAN struct{ digits string }

// NewPAN holds digits (spaces are dropped).
func NewPAN(digits string) PAN { return PAN{strings.ReplaceAll(digits, " ", "")} }

// Digits returns the full PAN. Only sealing code may call it.
func (p PAN) Digits() string { return p.digits }

// IsZero reports whether no PAN is held.
func (p PAN) IsZero() bool { return p.digits == "" }

// First6 is the issuer identification number, when the PAN is long enough.
func (p PAN) First6() string {
	if len(p.digits) < 12 {
		return ""
	}
	return p.digits[:6]
}

// Last4 is what a customer receipt may show.
func (p PAN) Last4() string {
	if len(p.digits) < 8 {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

// Masked shows first 6 and last 4 (merchant copy, logs): 497010******0010.
func (p PAN) Masked() string {
	if len(p.digits) < 12 {
		return strings.Repeat("*", len(p.digits))
	}
	return p.First6() + strings.Repeat("*", len(p.digits)-10) + p.Last4()
}

// MaskedLast4 shows only the last 4 (customer copy): ************0010.
func (p PAN) MaskedLast4() string {
	if len(p.digits) < 8 {
		return strings.Repeat("*", len(p.digits))
	}
	return strings.Repeat("*", len(p.digits)-4) + p.Last4()
}

func (p PAN) String() string               { return p.Masked() }
func (p PAN) GoString() string             { return "payment.PAN(" + p.Masked() + ")" }
func (p PAN) LogValue() slog.Value         { return slog.StringValue(p.Masked()) }
func (p PAN) MarshalJSON() ([]byte, error) { return json.Marshal(p.Masked()) }

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
// sensitive: they travel to the gateway sealed and are stored sealed.
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
