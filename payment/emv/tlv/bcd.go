package tlv

// EncodeN encodes v as format n (BCD, right-justified) in n bytes; digits
// that do not fit are dropped from the left, as DOL truncation would.
func EncodeN(v uint64, n int) []byte {
	out := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		lo := v % 10
		v /= 10
		hi := v % 10
		v /= 10
		out[i] = byte(hi<<4 | lo)
	}
	return out
}

// DecodeN decodes format n BCD; ok is false on a non-decimal nibble.
func DecodeN(b []byte) (v uint64, ok bool) {
	for _, c := range b {
		hi, lo := c>>4, c&0x0F
		if hi > 9 || lo > 9 {
			return 0, false
		}
		v = v*100 + uint64(hi)*10 + uint64(lo)
	}
	return v, true
}

// DecodeCN decodes format cn (BCD digits, F-padded on the right) into a
// digit string; ok is false on a bad nibble.
func DecodeCN(b []byte) (digits string, ok bool) {
	out := make([]byte, 0, 2*len(b))
	for i, c := range b {
		for j, nib := range [2]byte{c >> 4, c & 0x0F} {
			switch {
			case nib <= 9:
				if len(out) < 2*i+j {
					return "", false // digit after F padding
				}
				out = append(out, '0'+nib)
			case nib == 0x0F:
			default:
				return "", false
			}
		}
	}
	return string(out), true
}
