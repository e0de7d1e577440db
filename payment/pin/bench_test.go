package pin

import "testing"

// BenchmarkPINBlockDUKPT is the terminal's crypto per online PIN: the
// transaction and PIN keys derived from the initial key for the next KSN
// (a counter with many one-bits: 16 derivations, the worst case), and the
// format 4 block enciphered under it. Budget: 1 ms (scripts/budgets.txt).
func BenchmarkPINBlockDUKPT(b *testing.B) {
	ik := Key(mustHex(b, vecIK128))
	ksn := vecKSN(b, 0xFFFF0000)
	p, _ := ParsePIN(vecPIN)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Format4(ik, ksn, AES128, p, vecPAN); err != nil {
			b.Fatal(err)
		}
	}
}
