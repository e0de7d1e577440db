package escpossim

import "errors"

var errSymbol = errors.New("escpossim: barcode data not encodable")

// code128Patterns are the bar/space widths of CODE128 symbols 0–106
// (ISO/IEC 15417 table 1); 106 is the stop pattern with its final bar.
var code128Patterns = [107]string{
	"212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
	"221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
	"221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
	"212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
	"231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
	"231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
	"314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
	"112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
	"111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
	"214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
	"114131", "311141", "411131", "211412", "211214", "211232", "2331112",
}

// code128 turns the printer's GS k 73 data (code set selected by {A, {B or
// {C, then {-escapes for set changes and function characters) into modules,
// true = bar, and the human-readable text.
func code128(data []byte) ([]bool, string, error) {
	if len(data) < 2 || data[0] != '{' {
		return nil, "", errSymbol
	}
	var vals []int
	var hri []byte
	set := byte(0)
	switch data[1] {
	case 'A':
		vals, set = append(vals, 103), 'A'
	case 'B':
		vals, set = append(vals, 104), 'B'
	case 'C':
		vals, set = append(vals, 105), 'C'
	default:
		return nil, "", errSymbol
	}
	for i := 2; i < len(data); i++ {
		c := data[i]
		if c == '{' && i+1 < len(data) && data[i+1] != '{' {
			i++
			switch data[i] {
			case 'A':
				vals, set = append(vals, map[byte]int{'B': 101, 'C': 101}[set]), 'A'
			case 'B':
				vals, set = append(vals, map[byte]int{'A': 100, 'C': 100}[set]), 'B'
			case 'C':
				vals, set = append(vals, 99), 'C'
			case 'S':
				vals = append(vals, 98)
			case '1':
				vals = append(vals, 102)
			case '2':
				vals = append(vals, 97)
			case '3':
				vals = append(vals, 96)
			case '4':
				vals = append(vals, map[byte]int{'A': 101, 'B': 100}[set])
			default:
				return nil, "", errSymbol
			}
			continue
		}
		if c == '{' {
			i++ // "{{" is a literal brace
		}
		switch set {
		case 'A':
			switch {
			case c < 32:
				vals = append(vals, int(c)+64)
			case c < 96:
				vals = append(vals, int(c)-32)
			default:
				return nil, "", errSymbol
			}
			hri = append(hri, c)
		case 'B':
			if c < 32 || c > 127 {
				return nil, "", errSymbol
			}
			vals = append(vals, int(c)-32)
			hri = append(hri, c)
		case 'C':
			if c > 99 {
				return nil, "", errSymbol
			}
			vals = append(vals, int(c))
			hri = append(hri, '0'+c/10, '0'+c%10)
		}
	}
	sum := vals[0]
	for i, v := range vals[1:] {
		sum += (i + 1) * v
	}
	vals = append(vals, sum%103, 106)
	var mods []bool
	for _, v := range vals {
		bar := true
		for _, w := range code128Patterns[v] {
			for range int(w - '0') {
				mods = append(mods, bar)
			}
			bar = !bar
		}
	}
	return mods, string(hri), nil
}

var (
	eanL      = [10]string{"0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"}
	eanParity = [10]string{"LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"}
)

// ean13 encodes 12 digits (the printer adds the check digit) or 13 with a
// correct check digit.
func ean13(data []byte) ([]bool, string, error) {
	if len(data) != 12 && len(data) != 13 {
		return nil, "", errSymbol
	}
	for _, c := range data {
		if c < '0' || c > '9' {
			return nil, "", errSymbol
		}
	}
	check := eanCheck(data[:12])
	if len(data) == 13 && data[12] != check {
		return nil, "", errSymbol
	}
	d := append(append([]byte(nil), data[:12]...), check)
	var s []byte
	s = append(s, "101"...)
	par := eanParity[d[0]-'0']
	for i := 1; i <= 6; i++ {
		l := eanL[d[i]-'0']
		if par[i-1] == 'G' { // G = reversed complement of L
			for j := 6; j >= 0; j-- {
				s = append(s, '0'+'1'-l[j])
			}
			continue
		}
		s = append(s, l...)
	}
	s = append(s, "01010"...)
	for i := 7; i <= 12; i++ {
		for _, c := range []byte(eanL[d[i]-'0']) { // R = complement of L
			s = append(s, '0'+'1'-c)
		}
	}
	s = append(s, "101"...)
	mods := make([]bool, len(s))
	for i, c := range s {
		mods[i] = c == '1'
	}
	return mods, string(d), nil
}

func eanCheck(d []byte) byte {
	sum := 0
	for i, c := range d {
		w := 1
		if (len(d)-i)%2 == 1 {
			w = 3
		}
		sum += int(c-'0') * w
	}
	return byte('0' + (10-sum%10)%10)
}
