package escpossim

import "tpe/drivers/escpos"

// needMore is what cmdLen answers when the bytes so far do not say how long
// the command is.
const needMore = -1

// cmdLen returns the total length in bytes of the command or character at
// b[0], or needMore. Lengths follow the Epson ESC/POS command reference,
// including the commands this emulator does not render, so a stream from
// any encoder stays in step: parameters are never printed as text.
func cmdLen(b []byte) int {
	switch b[0] {
	case escpos.ESC:
		return escLen(b)
	case escpos.GS:
		return gsLen(b)
	case escpos.FS:
		return fsLen(b)
	case escpos.DLE:
		return dleLen(b)
	}
	return 1
}

// le16 reads a little-endian length at b[i:i+2]; ok is false when b is short.
func le16(b []byte, i int) (int, bool) {
	if len(b) < i+2 {
		return 0, false
	}
	return int(b[i]) | int(b[i+1])<<8, true
}

// param returns the length of a command with a pL pH parameter block at
// offset i: i+2+p.
func param(b []byte, i int) int {
	p, ok := le16(b, i)
	if !ok {
		return needMore
	}
	return i + 2 + p
}

func escLen(b []byte) int {
	if len(b) < 2 {
		return needMore
	}
	switch b[1] {
	case '@', '2', '<', 'L', 'S', 'i', 'm', escpos.FF, 'v':
		return 2
	case ' ', '!', '%', '-', '3', '=', '?', 'E', 'G', 'J', 'K', 'M', 'R', 'T', 'U', 'V', 'a', 'd', 'e', 'r', 't', 'u', '{', 'j', 'I', 'n':
		return 3
	case '+', 'A': // line spacing in 1/360 and 1/60 inch (python-escpos line_spacing)
		return 3
	case '$', '\\', 'c', 'B':
		return 4
	case 'p':
		return 5
	case 'W':
		return 10
	case '*':
		if len(b) < 5 {
			return needMore
		}
		k := int(b[3]) | int(b[4])<<8
		if b[2] == 32 || b[2] == 33 {
			k *= 3
		}
		return 5 + k
	case 'D': // tab positions, NUL-terminated, at most 32
		for i := 2; i < len(b) && i < 35; i++ {
			if b[i] == 0 {
				return i + 1
			}
		}
		if len(b) >= 35 {
			return 35
		}
		return needMore
	case '&': // user-defined characters: ESC & y c1 c2 [x d1…d(y·x)]…
		if len(b) < 5 {
			return needMore
		}
		y, c1, c2 := int(b[2]), int(b[3]), int(b[4])
		i := 5
		for c := c1; c <= c2; c++ {
			if len(b) <= i {
				return needMore
			}
			i += 1 + y*int(b[i])
		}
		return i
	case '(':
		return param(b, 3)
	case 'Z': // 2D code (Star-compatible models): ESC Z m n k dL dH d…
		p, ok := le16(b, 5)
		if !ok {
			return needMore
		}
		return 7 + p
	}
	return 2
}

func gsLen(b []byte) int {
	if len(b) < 2 {
		return needMore
	}
	switch b[1] {
	case ':', 'c':
		return 2
	case '!', '/', 'B', 'E', 'H', 'I', 'T', 'a', 'b', 'f', 'h', 'r', 'w', 'z', 'j':
		return 3
	case '|': // print density (python-escpos set(density=n))
		return 3
	case '$', 'L', 'P', 'W', '\\':
		return 4
	case '^':
		return 5
	case 'V':
		if len(b) < 3 {
			return needMore
		}
		switch b[2] {
		case 65, 66, 97, 98, 103, 104:
			return 4
		}
		return 3
	case '(':
		return param(b, 3)
	case '8', 'D': // GS 8 L p1 p2 p3 p4 (32-bit length), GS D likewise
		if len(b) < 7 {
			return needMore
		}
		p := int(b[3]) | int(b[4])<<8 | int(b[5])<<16 | int(b[6])<<24
		if p < 0 {
			p = 1 << 30
		}
		return 7 + p
	case '*':
		if len(b) < 4 {
			return needMore
		}
		return 4 + int(b[2])*int(b[3])*8
	case 'v', 'Q': // GS v 0 m xL xH yL yH d…, GS Q 0 likewise
		if len(b) < 8 {
			return needMore
		}
		x := int(b[4]) | int(b[5])<<8
		y := int(b[6]) | int(b[7])<<8
		return 8 + x*y
	case 'k':
		if len(b) < 3 {
			return needMore
		}
		if b[2] <= 6 { // function A: NUL-terminated
			for i := 3; i < len(b) && i < 3+256; i++ {
				if b[i] == 0 {
					return i + 1
				}
			}
			if len(b) >= 3+256 {
				return 3 + 256
			}
			return needMore
		}
		if len(b) < 4 {
			return needMore
		}
		return 4 + int(b[3])
	case 'g':
		return 6
	case 'C':
		if len(b) < 3 {
			return needMore
		}
		switch b[2] {
		case '0', '2':
			return 5
		case '1':
			return 9
		}
		return 3
	}
	return 2
}

func fsLen(b []byte) int {
	if len(b) < 2 {
		return needMore
	}
	switch b[1] {
	case '&', '.':
		return 2
	case '!', '-', 'C', 'W':
		return 3
	case 'S', 'p':
		return 4
	case '2':
		return 76
	case '(':
		return param(b, 3)
	case 'g':
		if len(b) < 3 {
			return needMore
		}
		if b[2] == '1' {
			p, ok := le16(b, 8)
			if !ok {
				return needMore
			}
			return 10 + p
		}
		return 10
	case 'q': // define NV images: FS q n [xL xH yL yH d…]×n
		if len(b) < 3 {
			return needMore
		}
		i := 3
		for range int(b[2]) {
			if len(b) < i+4 {
				return needMore
			}
			x := int(b[i]) | int(b[i+1])<<8
			y := int(b[i+2]) | int(b[i+3])<<8
			i += 4 + x*y*8
		}
		return i
	}
	return 2
}

func dleLen(b []byte) int {
	if len(b) < 2 {
		return needMore
	}
	switch b[1] {
	case escpos.EOT, escpos.ENQ:
		return 3
	case escpos.DC4:
		if len(b) < 3 {
			return needMore
		}
		switch b[2] {
		case 7:
			return 4
		case 8:
			return 10
		}
		return 5
	}
	return 1 // a lone DLE is ignored
}
