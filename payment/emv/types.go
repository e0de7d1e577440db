package emv

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"tpe/payment/emv/tlv"
)

// Outcome is the Entry Point outcome a kernel run ends in (EMV Contactless
// Book A §6.2 / Book B §3.5).
type Outcome string

const (
	OutcomeOnlineRequest       Outcome = "online_request"        // ARQC: ask the issuer
	OutcomeApproved            Outcome = "approved"              // TC with successful ODA: offline approval
	OutcomeDeclined            Outcome = "declined"              // AAC, or terminal decline
	OutcomeTryAnotherInterface Outcome = "try_another_interface" // not contactless here: another payment method
	OutcomeEndApplication      Outcome = "end_application"       // the card could not be processed
	OutcomeNotAccepted         Outcome = "not_accepted"          // the transaction itself is out of range (amount, currency): the card was not used
	OutcomeSelectNext          Outcome = "select_next"           // kernel asked for the next candidate (Entry Point handles it internally)
)

// Message is the cashier/customer message identifier of Book A §7.1
// (User Interface Request Data, message identifier).
type Message byte

const (
	MsgNone          Message = 0x00
	MsgApproved      Message = 0x03
	MsgNotAuthorised Message = 0x07
	// MsgTryAnotherMethod is Book A's 1C "Insert, swipe or try another
	// card". This terminal has neither a chip slot nor a stripe reader, so
	// the only way on is another payment method: it never says "insert".
	MsgTryAnotherMethod Message = 0x1C
	MsgAuthorising      Message = 0x1B // "Authorising, please wait"
	MsgSeePhone         Message = 0x20
	MsgTryAgain         Message = 0x21 // "Present card again"
	MsgOtherCard        Message = 0x1A // "Use another card"
	MsgCardReadOK       Message = 0x17
)

// String is an English cashier text; the UI may translate by identifier.
func (m Message) String() string {
	switch m {
	case MsgApproved:
		return "approved"
	case MsgNotAuthorised:
		return "not authorised"
	case MsgTryAnotherMethod:
		return "use another payment method"
	case MsgAuthorising:
		return "authorising, please wait"
	case MsgSeePhone:
		return "see phone for instructions"
	case MsgTryAgain:
		return "present card again"
	case MsgOtherCard:
		return "use another card"
	case MsgCardReadOK:
		return "card read ok, remove card"
	}
	return ""
}

// MarshalText makes the message readable in JSON.
func (m Message) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Brand is the payment scheme of the selected application.
type Brand string

const (
	BrandVisa       Brand = "visa"
	BrandMastercard Brand = "mastercard"
	BrandMaestro    Brand = "maestro"
	BrandCB         Brand = "cb"
	BrandAmex       Brand = "amex"
	BrandUnknown    Brand = "unknown"
)

// KernelID is the contactless kernel identifier (Book B §3.3.2.5, 9F2A).
type KernelID byte

const (
	Kernel2 KernelID = 2 // Mastercard M/Chip (Book C-2)
	Kernel3 KernelID = 3 // Visa qVSDC (Book C-3)
	Kernel4 KernelID = 4 // American Express (Book C-4), not implemented here
)

// CVM is the cardholder verification performed or required.
type CVM string

const (
	CVMNone      CVM = "no_cvm"
	CVMCDCVM     CVM = "cdcvm"      // verified on the phone (consumer device CVM)
	CVMOnlinePIN CVM = "online_pin" // the issuer must verify a PIN online
	CVMSignature CVM = "signature"
	CVMFailed    CVM = "failed"
)

// CryptogramType is given by bits 8-7 of the CID (9F27).
type CryptogramType string

const (
	CryptogramAAC  CryptogramType = "AAC"
	CryptogramTC   CryptogramType = "TC"
	CryptogramARQC CryptogramType = "ARQC"
)

// ODAResult reports offline data authentication.
type ODAResult string

const (
	ODANotPerformed ODAResult = "not_performed"
	ODAFDDAOK       ODAResult = "fdda_ok"
	ODACDAOK        ODAResult = "cda_ok"
	ODAFailed       ODAResult = "failed"
)

// PAN is a primary account number that never shows more than its first six
// and last four digits in String, Format, LogValue or JSON. Digits is the
// one explicit way to the full number, for sealing.
//
// A PAN built by NewMaskedPAN holds only that printable form (a journal
// record whose card data was dropped): it prints, logs and marshals the
// same, and its Digits is empty.
type PAN struct {
	digits string
	masked string // NewMaskedPAN only: the printable form, digits empty
}

// NewPAN holds digits.
func NewPAN(digits string) PAN { return PAN{digits: digits} }

// NewMaskedPAN holds the printable form of a PAN (what Masked returns),
// without its digits. Any character outside the first six and last four of
// a PAN long enough to show them (13+), and any non-digit, is turned into
// '*', so no more than Masked would show can ever be held.
func NewMaskedPAN(masked string) PAN {
	b := []byte(masked)
	n := len(b)
	for i, c := range b {
		show := n >= 13 && (i < 6 || i >= n-4)
		if !show || c < '0' || c > '9' {
			b[i] = '*'
		}
	}
	return PAN{masked: string(b)}
}

// Digits returns the full PAN; only code that seals it may call this. It is
// empty for a PAN built by NewMaskedPAN.
func (p PAN) Digits() string { return p.digits }

// IsZero reports whether no PAN is held, not even its masked form.
func (p PAN) IsZero() bool { return p.digits == "" && p.masked == "" }

// First6 is the BIN, or "" when the PAN is too short to show it safely.
func (p PAN) First6() string {
	if p.digits == "" {
		if len(p.masked) < 13 || strings.Contains(p.masked[:6], "*") {
			return ""
		}
		return p.masked[:6]
	}
	if len(p.digits) < 13 {
		return ""
	}
	return p.digits[:6]
}

// Last4 is the last four digits, or "" when the PAN is too short.
func (p PAN) Last4() string {
	if p.digits == "" {
		if len(p.masked) < 8 || strings.Contains(p.masked[len(p.masked)-4:], "*") {
			return ""
		}
		return p.masked[len(p.masked)-4:]
	}
	if len(p.digits) < 8 {
		return ""
	}
	return p.digits[len(p.digits)-4:]
}

// Masked is first 6, stars, last 4.
func (p PAN) Masked() string {
	if p.digits == "" {
		return p.masked
	}
	if len(p.digits) < 13 {
		return strings.Repeat("*", len(p.digits))
	}
	return p.First6() + strings.Repeat("*", len(p.digits)-10) + p.Last4()
}

// MaskedLast4 shows only the last four digits (a customer receipt).
func (p PAN) MaskedLast4() string {
	n := max(len(p.digits), len(p.masked))
	last4 := p.Last4()
	if n < 8 || last4 == "" {
		return strings.Repeat("*", n)
	}
	return strings.Repeat("*", n-4) + last4
}

// The methods below route every way a value can be printed, logged or
// marshalled to the masked form (PCI DSS 3.4: PAN unreadable wherever
// displayed or stored unless needed). Unmarshalling is refused so a masked
// value is never mistaken for a real one.

func (p PAN) String() string                { return p.Masked() }
func (p PAN) GoString() string              { return "emv.PAN(" + p.Masked() + ")" }
func (p PAN) Format(f fmt.State, _ rune)    { fmt.Fprint(f, p.Masked()) }
func (p PAN) LogValue() slog.Value          { return slog.StringValue(p.Masked()) }
func (p PAN) MarshalJSON() ([]byte, error)  { return json.Marshal(p.Masked()) }
func (p PAN) MarshalText() ([]byte, error)  { return []byte(p.Masked()), nil }
func (p *PAN) UnmarshalJSON(_ []byte) error { return errNoUnmarshal }

// Equal compares two PANs without revealing them. A masked-only PAN equals
// only the same masked-only PAN.
func (p PAN) Equal(o PAN) bool { return p.digits == o.digits && p.masked == o.masked }

// Secret holds sensitive bytes: track 2, the application cryptogram, the
// ICC data for authorisation. It prints, logs and marshals as its length;
// Reveal returns a copy for sealing or for the gateway message.
type Secret struct{ b []byte }

func newSecret(b []byte) Secret { return Secret{append([]byte(nil), b...)} }

// Reveal returns a copy of the bytes; only sealing and gateway code may call it.
func (s Secret) Reveal() []byte { return append([]byte(nil), s.b...) }

// Len is the number of bytes held.
func (s Secret) Len() int { return len(s.b) }

// IsZero reports whether nothing is held.
func (s Secret) IsZero() bool { return len(s.b) == 0 }

func (s Secret) String() string                { return fmt.Sprintf("[redacted %d bytes]", len(s.b)) }
func (s Secret) GoString() string              { return "emv.Secret(" + s.String() + ")" }
func (s Secret) Format(f fmt.State, _ rune)    { fmt.Fprint(f, s.String()) }
func (s Secret) LogValue() slog.Value          { return slog.StringValue(s.String()) }
func (s Secret) MarshalJSON() ([]byte, error)  { return json.Marshal(s.String()) }
func (s Secret) MarshalText() ([]byte, error)  { return []byte(s.String()), nil }
func (s *Secret) UnmarshalJSON(_ []byte) error { return errNoUnmarshal }

// ICCData is the TLV blob for online authorisation (ISO 8583 DE55 style).
// It logs only its tag list; Reveal gives the bytes.
type ICCData struct{ Secret }

// String lists the tags with their lengths, never the values.
func (d ICCData) String() string {
	l, err := tlv.Parse(d.b)
	if err != nil {
		return "icc[?]"
	}
	return "icc[" + l.String() + "]"
}

func (d ICCData) GoString() string             { return "emv.ICCData(" + d.String() + ")" }
func (d ICCData) Format(f fmt.State, _ rune)   { fmt.Fprint(f, d.String()) }
func (d ICCData) LogValue() slog.Value         { return slog.StringValue(d.String()) }
func (d ICCData) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }
func (d ICCData) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
