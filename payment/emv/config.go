package emv

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Card is one contactless card in the field. device/nfc.Card satisfies it;
// this package declares its own so it depends on nothing but the stdlib.
type Card interface {
	Transceive(ctx context.Context, capdu []byte) ([]byte, error)
}

// CAKey is a certification authority public key (EMV Book 2 §5.1, the
// terminal's CA public key table), identified by RID and index (8F).
type CAKey struct {
	RID   []byte // 5 bytes
	Index byte
	Key   *rsa.PublicKey
}

// App is one application (AID) the terminal accepts contactless, with its
// kernel and its Entry Point pre-processing limits (Book B §3.1.1). Limits
// are in minor units of the transaction currency.
type App struct {
	AID     []byte   // terminal AID; a card AID matches when it starts with it (partial selection)
	Kernel  KernelID // kernel used when the card gives no 9F2A
	Brand   Brand
	Version [2]byte // Application Version Number - terminal (9F09)

	// ContactlessLimit: amount >= it → contactless not allowed (0: no limit).
	ContactlessLimit int64
	// FloorLimit: amount above it → online cryptogram required (0: every
	// non-zero amount goes online).
	FloorLimit int64
	// CVMLimit: amount >= it (kernel 3) or > it (kernel 2) → CVM required (0: no limit).
	CVMLimit int64

	// Terminal Action Codes (Book 3 §10.7), applied to the TVR with the
	// card's IACs: Denial → decline, Online → ask for an ARQC, Default →
	// decline when the terminal is offline-only (TerminalType x3/x6).
	TACDenial, TACOnline, TACDefault [5]byte
}

// Config is the terminal's kernel configuration. Copy DefaultConfig and
// adjust; New copies it again.
type Config struct {
	CountryCode uint16 // ISO 3166-1 numeric, e.g. 250 France (9F1A)
	// CurrencyCode and CurrencyExponent (ISO 4217, e.g. 978 and 2) apply
	// when a Transaction leaves its currency zero; limits are in this currency.
	CurrencyCode     uint16
	CurrencyExponent int
	TerminalType     byte    // 9F35, e.g. 0x22 attended, online with offline capability
	Capabilities     [3]byte // 9F33
	AddCapabilites   [5]byte // 9F40
	// TTQ is the base Terminal Transaction Qualifiers (9F66); the kernel
	// sets byte 2 bits 80 (online cryptogram required) and 40 (CVM required)
	// per transaction.
	TTQ          [4]byte
	MerchantName string // 9F4E
	MCC          uint16 // 9F15
	TerminalID   string // 9F1C, 8 characters

	// OnlinePIN and Signature say whether this terminal can collect these
	// CVMs. The kernel advertises them to the card: TTQ byte 1 bits 04
	// (online PIN) and 02 (signature) for kernel 3 (Book C-3 §5.2.2), and
	// for kernel 2 the CVM Capability – CVM Required (DF8118) that becomes
	// Terminal Capabilities (9F33) byte 2 above the CVM limit (Book C-2
	// §3.4; below it CVM Capability – No CVM Required, DF8119, "no CVM").
	// Without either, above the CVM limit only a phone's CDCVM can pay;
	// an offline-only terminal never offers online PIN. Signature is off
	// in France (CB acceptance rules): the config keeps it off there.
	OnlinePIN, Signature bool

	Apps   []App
	CAKeys []CAKey

	// Rand feeds the unpredictable number (9F37); crypto/rand by default.
	Rand io.Reader
	// Logger receives debug APDU traces (instruction and status word only)
	// and one info line per outcome. Discarded by default.
	Logger *slog.Logger
	// MaxAPDUs bounds the exchanges of one transaction (default 40): a card
	// that answers forever ends in an outcome instead of a loop.
	MaxAPDUs int
	// Now gives the clock when Transaction.Date is zero.
	Now func() time.Time
}

// Well-known AIDs (Book B / scheme registrations).
var (
	AIDVisa       = mustHex("A0000000031010")
	AIDVisaDebit  = mustHex("A0000000032010") // Visa Electron
	AIDVPay       = mustHex("A0000000032020")
	AIDMastercard = mustHex("A0000000041010")
	AIDMaestro    = mustHex("A0000000043060")
	AIDCB         = mustHex("A0000000421010")
	AIDAmex       = mustHex("A00000002501")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// DefaultConfig is a French attended terminal without PIN pad: country 250,
// contactless limit 3 000.00 (cards above the CVM limit need CDCVM), CVM
// limit 50.00, floor limit 0 (everything online). A terminal with a PIN pad
// sets OnlinePIN (cmd/internal/terminal does from the [emv] section). CA keys are left empty:
// the caller adds the table (cardsim.CAKeys() in the simulator).
func DefaultConfig() Config {
	var (
		denial  = [5]byte{0x00, 0x40, 0x00, 0x00, 0x00} // expired application
		online  = [5]byte{0xBC, 0x00, 0x00, 0x80, 0x00} // ODA not performed/failed, ICC data missing, exception file, floor limit
		dflt    = online
		apps    []App
		version = [2]byte{0x00, 0x02}
	)
	add := func(aid []byte, k KernelID, b Brand) {
		apps = append(apps, App{AID: aid, Kernel: k, Brand: b, Version: version,
			ContactlessLimit: 300000, FloorLimit: 0, CVMLimit: 5000,
			TACDenial: denial, TACOnline: online, TACDefault: dflt})
	}
	add(AIDVisa, Kernel3, BrandVisa)
	add(AIDVisaDebit, Kernel3, BrandVisa)
	add(AIDVPay, Kernel3, BrandVisa)
	add(AIDCB, Kernel3, BrandCB)
	add(AIDMastercard, Kernel2, BrandMastercard)
	add(AIDMaestro, Kernel2, BrandMaestro)
	return Config{
		CountryCode:      250,
		CurrencyCode:     978,
		CurrencyExponent: 2,
		TerminalType:     0x22,
		Capabilities:     [3]byte{0x60, 0x08, 0x08}, // contactless+manual key entry; no CVM (byte 2 is set per transaction); CDA
		AddCapabilites:   [5]byte{0x60, 0x00, 0xF0, 0xA0, 0x01},
		TTQ:              [4]byte{0x20, 0x00, 0x40, 0x80}, // EMV mode, CDCVM supported, fDDA v1.0
		MerchantName:     "TPE SIMULATOR PARIS FR",
		MCC:              5411,
		TerminalID:       "TPE00001",
		Apps:             apps,
		MaxAPDUs:         40,
	}
}

func (c *Config) fill() error {
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxAPDUs <= 0 {
		c.MaxAPDUs = 40
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	for i, a := range c.Apps {
		if len(a.AID) < 5 || len(a.AID) > 16 {
			return fmt.Errorf("%w: app %d: aid must be 5 to 16 bytes", ErrBadConfig, i)
		}
	}
	for i, k := range c.CAKeys {
		if len(k.RID) != 5 || k.Key == nil || k.Key.N == nil {
			return fmt.Errorf("%w: ca key %d: need a 5-byte RID and a key", ErrBadConfig, i)
		}
	}
	return nil
}

// cvmCapability is the Book C-2 CVM Capability in force, which is also
// Terminal Capabilities byte 2: CVM Required (DF8118) when the amount
// requires a CVM, No CVM Required (DF8119) otherwise. Bits (Book 4 Annex
// A2): 40 enciphered PIN verified online, 20 signature, 08 no CVM.
func (c *Config) cvmCapability(cvmRequired bool) byte {
	if !cvmRequired {
		return 0x08
	}
	var b byte
	if c.onlinePIN() {
		b |= 0x40
	}
	if c.Signature {
		b |= 0x20
	}
	return b
}

// onlinePIN reports whether an online PIN can be collected and sent: it
// needs a PIN pad and a terminal that goes online.
func (c *Config) onlinePIN() bool { return c.OnlinePIN && !c.offlineOnly() }

// offlineOnly reports a terminal type without online capability (Book 4
// Annex A1: types x3 and x6). Such a terminal decides with TAC-Default.
func (c *Config) offlineOnly() bool {
	return c.TerminalType&0x0F == 0x03 || c.TerminalType&0x0F == 0x06
}

func (c *Config) caKey(rid []byte, index byte) *rsa.PublicKey {
	for _, k := range c.CAKeys {
		if k.Index == index && bytes.Equal(k.RID, rid) {
			return k.Key
		}
	}
	return nil
}

// TxnType is the transaction type (9C).
type TxnType byte

const (
	Purchase TxnType = 0x00
	Cash     TxnType = 0x01
	Refund   TxnType = 0x20
)

// Transaction is what the terminal asks of the card.
type Transaction struct {
	Amount           int64  // minor units (9F02)
	OtherAmount      int64  // cashback, minor units (9F03)
	CurrencyNumeric  uint16 // ISO 4217 numeric, e.g. 978 EUR (5F2A)
	CurrencyExponent int    // 5F36, e.g. 2
	Date             time.Time
	Type             TxnType
	// ForceOnline asks for an online cryptogram whatever the floor limit:
	// the merchant prefers the issuer's answer and the gateway is reachable
	// (TTQ byte 2 bit 8 for kernel 3; ARQC requested and TVR "merchant
	// forced transaction online" for kernel 2).
	ForceOnline bool
}
