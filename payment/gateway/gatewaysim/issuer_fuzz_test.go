package gatewaysim

import (
	"encoding/hex"
	"strings"
	"testing"
)

// FuzzPINData feeds the request's pinBlock and ksn to the issuer: a pair
// is either refused as malformed, or well formed and then answered with an
// approval, a PIN decline or a format error, never a panic; a block that
// does not decipher never counts as a wrong PIN.
func FuzzPINData(f *testing.F) {
	f.Add("2D48775BB8E67E0059D590E0CB2FB86F", "123456789012345600000001") // PIN 1234 of the fixture
	f.Add("117163107FF98CB7783DA0DDA738AF30", "123456789012345600000001") // PIN 4321
	f.Add("", "")
	f.Add("2D48775BB8E67E0059D590E0CB2FB86F", "")
	f.Add("00000000000000000000000000000000", "1234567890123456FFFF0000")
	f.Add("zz", "123456789012345600000000")
	f.Fuzz(func(t *testing.T, blockHex, ksnHex string) {
		pd, err := parsePINData(blockHex, ksnHex)
		if err != nil {
			if strings.Contains(err.Error(), blockHex) && len(blockHex) > 4 {
				t.Fatalf("error %q repeats the block", err)
			}
			return
		}
		if pd == nil {
			if blockHex != "" || ksnHex != "" {
				t.Fatalf("(%q, %q) read as no PIN", blockHex, ksnHex)
			}
			return
		}
		if b, _ := hex.DecodeString(blockHex); len(pd.block) != 16 || len(b) != 16 || !pd.ksn.Valid() {
			t.Fatalf("accepted block %d bytes, ksn valid %v", len(pd.block), pd.ksn.Valid())
		}
		is, err := newIssuer(nil, true)
		if err != nil {
			t.Fatal(err)
		}
		const pan = "4970100000000014"
		code, _ := is.decide(pan, 8000, true, false, cvmOnlinePIN, pd)
		switch code {
		case "", codeIncorrectPIN, codeFormatError:
		default:
			t.Fatalf("first PIN answered %s", code)
		}
		if code == codeFormatError {
			// Not the cardholder's try: the card has all its tries left.
			for range MaxPINTries - 1 {
				is.decide(pan, 8000, true, false, cvmOnlinePIN, pd)
			}
			if st := is.cards[sumPAN(pan)]; st.wrongPINs != 0 {
				t.Fatalf("undecipherable blocks counted %d wrong PINs", st.wrongPINs)
			}
		}
	})
}
