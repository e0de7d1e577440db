package tlv

// Format is an EMV data element format (Book 3 §4.3). It drives DOL padding
// and truncation.
type Format uint8

const (
	FormatB   Format = iota // binary
	FormatN                 // numeric BCD, right-justified, left-padded with 0
	FormatCN                // compressed numeric, left-justified, right-padded with F
	FormatAN                // alphanumeric
	FormatANS               // alphanumeric special
)

func (f Format) String() string {
	switch f {
	case FormatN:
		return "n"
	case FormatCN:
		return "cn"
	case FormatAN:
		return "an"
	case FormatANS:
		return "ans"
	}
	return "b"
}

// Info describes a tag. Sensitive marks data that must never be logged.
type Info struct {
	Name      string
	Format    Format
	Sensitive bool
}

// Lookup returns what the dictionary knows of t; unknown tags are binary
// and, to be safe, sensitive.
func Lookup(t Tag) Info {
	if i, ok := dictionary[t]; ok {
		return i
	}
	return Info{Format: FormatB, Sensitive: true}
}

// Known reports whether t is in the dictionary.
func Known(t Tag) bool { _, ok := dictionary[t]; return ok }

// dictionary lists the tags of EMV 4.4 Book 3 Annex A and Books C-2/C-3 that
// a contactless terminal meets; sensitive ones are marked (PCI DSS: PAN,
// track data, cryptograms and key material never reach logs).
var dictionary = map[Tag]Info{
	0x42:     {"Issuer Identification Number", FormatN, false},
	0x4F:     {"Application Identifier (AID) – card", FormatB, false},
	0x50:     {"Application Label", FormatANS, false},
	0x56:     {"Track 1 Data", FormatANS, true},
	0x57:     {"Track 2 Equivalent Data", FormatB, true},
	0x5A:     {"Application Primary Account Number (PAN)", FormatCN, true},
	0x5F20:   {"Cardholder Name", FormatANS, true},
	0x5F24:   {"Application Expiration Date", FormatN, false},
	0x5F25:   {"Application Effective Date", FormatN, false},
	0x5F28:   {"Issuer Country Code", FormatN, false},
	0x5F2A:   {"Transaction Currency Code", FormatN, false},
	0x5F2D:   {"Language Preference", FormatAN, false},
	0x5F30:   {"Service Code", FormatN, false},
	0x5F34:   {"Application PAN Sequence Number", FormatN, false},
	0x5F36:   {"Transaction Currency Exponent", FormatN, false},
	0x61:     {"Application Template", FormatB, false},
	0x6F:     {"File Control Information (FCI) Template", FormatB, false},
	0x70:     {"READ RECORD Response Message Template", FormatB, false},
	0x77:     {"Response Message Template Format 2", FormatB, false},
	0x80:     {"Response Message Template Format 1", FormatB, false},
	0x82:     {"Application Interchange Profile", FormatB, false},
	0x83:     {"Command Template", FormatB, false},
	0x84:     {"Dedicated File (DF) Name", FormatB, false},
	0x87:     {"Application Priority Indicator", FormatB, false},
	0x88:     {"Short File Identifier (SFI)", FormatB, false},
	0x8C:     {"Card Risk Management Data Object List 1 (CDOL1)", FormatB, false},
	0x8D:     {"Card Risk Management Data Object List 2 (CDOL2)", FormatB, false},
	0x8E:     {"Cardholder Verification Method (CVM) List", FormatB, false},
	0x8F:     {"Certification Authority Public Key Index", FormatB, false},
	0x90:     {"Issuer Public Key Certificate", FormatB, true},
	0x92:     {"Issuer Public Key Remainder", FormatB, true},
	0x93:     {"Signed Static Application Data", FormatB, true},
	0x94:     {"Application File Locator (AFL)", FormatB, false},
	0x95:     {"Terminal Verification Results", FormatB, false},
	0x9A:     {"Transaction Date", FormatN, false},
	0x9B:     {"Transaction Status Information", FormatB, false},
	0x9C:     {"Transaction Type", FormatN, false},
	0x9D:     {"Directory Definition File (DDF) Name", FormatB, false},
	0xA5:     {"File Control Information (FCI) Proprietary Template", FormatB, false},
	0xBF0C:   {"File Control Information (FCI) Issuer Discretionary Data", FormatB, false},
	0x9F01:   {"Acquirer Identifier", FormatN, false},
	0x9F02:   {"Amount, Authorised (Numeric)", FormatN, false},
	0x9F03:   {"Amount, Other (Numeric)", FormatN, false},
	0x9F06:   {"Application Identifier (AID) – terminal", FormatB, false},
	0x9F07:   {"Application Usage Control", FormatB, false},
	0x9F08:   {"Application Version Number – card", FormatB, false},
	0x9F09:   {"Application Version Number – terminal", FormatB, false},
	0x9F0A:   {"Application Selection Registered Proprietary Data", FormatB, false},
	0x9F0D:   {"Issuer Action Code – Default", FormatB, false},
	0x9F0E:   {"Issuer Action Code – Denial", FormatB, false},
	0x9F0F:   {"Issuer Action Code – Online", FormatB, false},
	0x9F10:   {"Issuer Application Data", FormatB, false},
	0x9F11:   {"Issuer Code Table Index", FormatN, false},
	0x9F12:   {"Application Preferred Name", FormatANS, false},
	0x9F15:   {"Merchant Category Code", FormatN, false},
	0x9F16:   {"Merchant Identifier", FormatANS, false},
	0x9F1A:   {"Terminal Country Code", FormatN, false},
	0x9F1B:   {"Terminal Floor Limit", FormatB, false},
	0x9F1C:   {"Terminal Identification", FormatAN, false},
	0x9F1D:   {"Terminal Risk Management Data", FormatB, false},
	0x9F1E:   {"Interface Device (IFD) Serial Number", FormatAN, false},
	0x9F1F:   {"Track 1 Discretionary Data", FormatANS, true},
	0x9F20:   {"Track 2 Discretionary Data", FormatCN, true},
	0x9F21:   {"Transaction Time", FormatN, false},
	0x9F24:   {"Payment Account Reference (PAR)", FormatAN, true},
	0x9F26:   {"Application Cryptogram", FormatB, true},
	0x9F27:   {"Cryptogram Information Data", FormatB, false},
	0x9F2A:   {"Kernel Identifier", FormatB, false},
	0x9F32:   {"Issuer Public Key Exponent", FormatB, false},
	0x9F33:   {"Terminal Capabilities", FormatB, false},
	0x9F34:   {"Cardholder Verification Method (CVM) Results", FormatB, false},
	0x9F35:   {"Terminal Type", FormatN, false},
	0x9F36:   {"Application Transaction Counter (ATC)", FormatB, false},
	0x9F37:   {"Unpredictable Number", FormatB, false},
	0x9F38:   {"Processing Options Data Object List (PDOL)", FormatB, false},
	0x9F39:   {"Point-of-Service (POS) Entry Mode", FormatN, false},
	0x9F40:   {"Additional Terminal Capabilities", FormatB, false},
	0x9F41:   {"Transaction Sequence Counter", FormatN, false},
	0x9F42:   {"Application Currency Code", FormatN, false},
	0x9F44:   {"Application Currency Exponent", FormatN, false},
	0x9F45:   {"Data Authentication Code", FormatB, false},
	0x9F46:   {"ICC Public Key Certificate", FormatB, true},
	0x9F47:   {"ICC Public Key Exponent", FormatB, false},
	0x9F48:   {"ICC Public Key Remainder", FormatB, true},
	0x9F49:   {"Dynamic Data Authentication Data Object List (DDOL)", FormatB, false},
	0x9F4A:   {"Static Data Authentication Tag List", FormatB, false},
	0x9F4B:   {"Signed Dynamic Application Data", FormatB, true},
	0x9F4C:   {"ICC Dynamic Number", FormatB, false},
	0x9F4D:   {"Log Entry", FormatB, false},
	0x9F4E:   {"Merchant Name and Location", FormatANS, false},
	0x9F53:   {"Transaction Category Code", FormatAN, false},
	0x9F5A:   {"Application Program Identifier", FormatB, false},
	0x9F5D:   {"Available Offline Spending Amount", FormatB, false},
	0x9F66:   {"Terminal Transaction Qualifiers (TTQ)", FormatB, false},
	0x9F69:   {"Card Authentication Related Data", FormatB, false},
	0x9F6B:   {"Track 2 Data (Mastercard) / Card CVM Limit (Visa)", FormatB, true},
	0x9F6C:   {"Card Transaction Qualifiers (CTQ)", FormatB, false},
	0x9F6E:   {"Form Factor Indicator / Third Party Data", FormatB, false},
	0x9F7C:   {"Customer Exclusive Data", FormatB, false},
	0xBF63:   {"Proprietary Template BF63", FormatB, false},
	0xDF8117: {"Card Data Input Capability", FormatB, false},
	0xDF8118: {"CVM Capability – CVM Required", FormatB, false},
	0xDF8119: {"CVM Capability – No CVM Required", FormatB, false},
}
