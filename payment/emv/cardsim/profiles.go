package cardsim

import (
	"encoding/hex"
	"sort"
)

// behaviour is the applet logic of an application.
type behaviour uint8

const (
	qvsdc   behaviour = iota // Visa contactless (kernel 3): cryptogram in GPO
	mchip                    // Mastercard M/Chip (kernel 2): GENERATE AC with CDA
	amexApp                  // answers SELECT only; kernel 4 not simulated
)

type appSpec struct {
	aid      string
	label    string
	priority byte // 0: no 87 in the PPSE entry
	kernelID byte // 0: no 9F2A
	beh      behaviour
}

// Profile describes one virtual card.
type Profile struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	PAN         string `json:"pan"`    // test PAN, not a real account
	Expiry      string `json:"expiry"` // YYMMDD
	// Expect is the outcome emv.DefaultConfig (with CAKeys) reaches for
	// 10.00 EUR; tests in payment/emv keep it true.
	Expect string `json:"expect"`

	psn       int // -1: no 5F34
	apps      []appSpec
	phone     bool // CDCVM (consumer device CVM)
	ctq       [2]byte
	noPPSE    bool
	blocked   bool
	malformed bool
	issuer    string // issuer key name

	// contactCVM: the card verifies its holder only with offline PIN on a
	// contact chip. A qVSDC card then never sets CTQ "online PIN required";
	// an M/Chip card's CVM list names offline PINs only.
	contactCVM bool
}

var profiles = map[string]Profile{
	"visa-credit": {Name: "visa-credit", Description: "Visa credit, qVSDC with fDDA", PAN: "4761739001010119", Expiry: "301231", Expect: "online_request",
		psn: 1, issuer: "issuer-visa", apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 0, qvsdc}}},
	"visa-debit": {Name: "visa-debit", Description: "Visa debit, qVSDC, goes online if ODA fails (CTQ 20)", PAN: "4761739001010267", Expiry: "291130", Expect: "online_request",
		psn: 0, issuer: "issuer-visa", ctq: [2]byte{0x20, 0x00}, apps: []appSpec{{"A0000000031010", "VISA DEBIT", 1, 3, qvsdc}}},
	"mastercard": {Name: "mastercard", Description: "Mastercard credit, M/Chip with CDA", PAN: "5413330089010434", Expiry: "311031", Expect: "online_request",
		psn: 1, issuer: "issuer-mastercard", apps: []appSpec{{"A0000000041010", "MASTERCARD", 1, 2, mchip}}},
	"maestro": {Name: "maestro", Description: "Maestro debit, M/Chip with CDA", PAN: "6799998900000060018", Expiry: "300630", Expect: "online_request",
		psn: 2, issuer: "issuer-mastercard", apps: []appSpec{{"A0000000043060", "MAESTRO", 1, 0, mchip}}},
	"cb-visa": {Name: "cb-visa", Description: "CB co-badged with Visa, CB priority 1", PAN: "4970100000000014", Expiry: "300930", Expect: "online_request",
		psn: 1, issuer: "issuer-cb", apps: []appSpec{{"A0000000421010", "CB", 1, 3, qvsdc}, {"A0000000031010", "VISA", 2, 3, qvsdc}}},
	"amex": {Name: "amex", Description: "American Express (kernel 4, not supported contactless here)", PAN: "374245455400126", Expiry: "300531", Expect: "try_another_interface",
		psn: 0, issuer: "issuer-amex", apps: []appSpec{{"A000000025010801", "AMERICAN EXPRESS", 1, 4, amexApp}}},
	"phone-cdcvm": {Name: "phone-cdcvm", Description: "Visa token on a phone wallet, CDCVM performed", PAN: "4895370012003478", Expiry: "281231", Expect: "online_request",
		psn: 0, issuer: "issuer-visa", phone: true, apps: []appSpec{{"A0000000031010", "VISA", 1, 3, qvsdc}}},
	"visa-chip-pin": {Name: "visa-chip-pin", Description: "Visa credit that verifies its holder only by offline PIN on a contact chip: above the CVM limit, another payment method", PAN: "4761739001010309", Expiry: "301231", Expect: "online_request",
		psn: 1, issuer: "issuer-visa", contactCVM: true, apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 3, qvsdc}}},
	"mastercard-chip-pin": {Name: "mastercard-chip-pin", Description: "Mastercard whose CVM list has only offline PIN (contact chip) and no CVM: above the CVM limit, another payment method", PAN: "5413330089010483", Expiry: "311031", Expect: "online_request",
		psn: 1, issuer: "issuer-mastercard", contactCVM: true, apps: []appSpec{{"A0000000041010", "MASTERCARD", 1, 2, mchip}}},
	"phone-mastercard": {Name: "phone-mastercard", Description: "Mastercard token on a phone wallet, on-device CVM (CDCVM)", PAN: "5454545454545454", Expiry: "291231", Expect: "online_request",
		psn: 0, issuer: "issuer-mastercard", phone: true, apps: []appSpec{{"A0000000041010", "MASTERCARD", 1, 2, mchip}}},
	"expired": {Name: "expired", Description: "Visa credit whose application expired", PAN: "4761739001010051", Expiry: "231231", Expect: "declined",
		psn: 1, issuer: "issuer-visa", apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 0, qvsdc}}},
	"blocked": {Name: "blocked", Description: "Visa with a blocked application (SELECT answers 6283)", PAN: "4761739001010044", Expiry: "301231", Expect: "end_application",
		psn: 1, issuer: "issuer-visa", blocked: true, apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 0, qvsdc}}},
	"no-ppse": {Name: "no-ppse", Description: "contact-only card without PPSE (6A82)", PAN: "4761739001010036", Expiry: "301231", Expect: "try_another_interface",
		psn: 1, issuer: "issuer-visa", noPPSE: true, apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 0, qvsdc}}},
	"malformed-record": {Name: "malformed-record", Description: "Visa whose first record is truncated TLV", PAN: "4761739001010028", Expiry: "301231", Expect: "end_application",
		psn: 1, issuer: "issuer-visa", malformed: true, apps: []appSpec{{"A0000000031010", "VISA CREDIT", 1, 0, qvsdc}}},
}

// PIN is the PIN of every virtual card, held by the simulated issuer
// (payment/gateway/gatewaysim checks online PINs against it).
const PIN = "1234"

// Profiles lists the virtual cards, sorted by name.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// PANSeq is the PAN sequence number the card reports, -1 when none.
func (p Profile) PANSeq() int { return p.psn }

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
