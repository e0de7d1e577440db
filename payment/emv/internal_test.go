package emv

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"tpe/payment/emv/tlv"
)

func hx(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestCVMList(t *testing.T) {
	const head = "00000000 00000000 " // X = Y = 0
	tests := []struct {
		name     string
		list     string
		required bool
		pin, sig bool
		amount   int64
		want     CVM
		wantRes  string
	}{
		{"below limit: no CVM if supported", head + "4203 1E03 1F03", false, false, false, 1000, CVMNone, "1F0302"},
		{"above limit, nothing supported: failed", head + "4203 1E03 1F03", true, false, false, 6000, CVMFailed, "3F0001"},
		{"above limit, signature supported", head + "4203 1E03 1F03", true, false, true, 6000, CVMSignature, "1E0300"},
		{"above limit, online PIN supported", head + "4203 1E03 1F03", true, true, true, 6000, CVMOnlinePIN, "420300"},
		{"always online PIN without continue: fails at once", head + "0200 1F00", true, false, true, 6000, CVMFailed, "020001"},
		{"fail CVM rule", head + "0000 1F00", false, false, false, 1000, CVMFailed, "000001"},
		{"amount under X: no CVM", "00001388 00000000 1F06 0200", false, false, false, 1000, CVMNone, "1F0602"},
		{"amount over X skips the under-X rule", "00001388 00000000 1F06 5E07 1F00", true, false, true, 6000, CVMSignature, "5E0700"},
		{"amount over Y rule", "00000000 00000BB8 5E09 1F00", true, false, true, 6000, CVMSignature, "5E0900"},
		{"unattended cash rule never applies here", head + "1F01", false, false, false, 1000, CVMFailed, "3F0001"},
		{"purchase rule applies", head + "1F02", false, false, false, 1000, CVMNone, "1F0202"},
		{"list too short: no CVM below limit", "0000", false, false, false, 1000, CVMNone, "3F0000"},
		{"list too short above limit: failed", "0000", true, false, false, 6000, CVMFailed, "3F0001"},
		{"odd length list", head + "1F", false, false, false, 1000, CVMNone, "3F0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &session{cfg: &Config{OnlinePIN: tt.pin, Signature: tt.sig}, cvmRequired: tt.required,
				txn: Transaction{Amount: tt.amount, CurrencyNumeric: 978}, data: map[tlv.Tag][]byte{}}
			got, res := s.cvmList(hx(tt.list))
			if got != tt.want || fmt.Sprintf("%X", res) != tt.wantRes {
				t.Errorf("got %s %X, want %s %s", got, res, tt.want, tt.wantRes)
			}
		})
	}
}

func TestParseTrack2(t *testing.T) {
	tests := []struct {
		in, pan, exp string
		ok           bool
	}{
		{"4642352851503640D23122010000035399995F", "4642352851503640", "2312", true},
		{"374245455400126D300520100000000F", "374245455400126", "3005", true},
		{"6799998900000060018D30062010000000000F", "6799998900000060018", "3006", true},
		{"4642352851D2312201FF", "", "", false},         // PAN too short
		{"4642352851503640D2312F", "", "", false},       // no service code
		{"46423528515036A0D2312201000F", "", "", false}, // bad digit
		{"46423528515036401231220100", "", "", false},   // no separator
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			pan, exp, ok := parseTrack2(hx(tt.in))
			if pan != tt.pan || exp != tt.exp || ok != tt.ok {
				t.Errorf("got %s %s %v, want %s %s %v", pan, exp, ok, tt.pan, tt.exp, tt.ok)
			}
		})
	}
}

func TestRedactingTypes(t *testing.T) {
	p := NewPAN("4761739001010119")
	sec := newSecret(hx("0102030405060708"))
	icc := ICCData{newSecret(tlv.Encode(0x5A, hx("4761739001010119")))}
	r := &Result{PAN: p, Cryptogram: sec, Track2: sec, ICC: icc}
	outs := []string{
		fmt.Sprint(p), fmt.Sprintf("%v %+v %#v %s %q %x %d", p, p, p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v %x", sec, sec, sec, sec), fmt.Sprintf("%v %+v %#v %x", icc, icc, icc, icc),
		fmt.Sprintf("%v %+v", r, *r),
	}
	j, _ := json.Marshal(r)
	outs = append(outs, string(j))
	for _, o := range outs {
		if strings.Contains(o, "4761739001010119") || strings.Contains(o, "0102030405060708") || strings.Contains(strings.ToLower(o), "0102030405") {
			t.Errorf("leak: %s", o)
		}
	}
	if p.Masked() != "476173******0119" || p.First6() != "476173" || p.Last4() != "0119" || p.Digits() != "4761739001010119" {
		t.Errorf("masking: %s %s %s", p.Masked(), p.First6(), p.Last4())
	}
	if short := NewPAN("1234567"); short.First6() != "" || short.Masked() != "*******" {
		t.Errorf("short pan shows %q", short.Masked())
	}
	if string(sec.Reveal()) != string(hx("0102030405060708")) || icc.String() != "icc[5A(8)]" {
		t.Errorf("reveal/icc string: %x %s", sec.Reveal(), icc)
	}
	var back PAN
	if err := json.Unmarshal([]byte(`"476173******0119"`), &back); err == nil {
		t.Error("unmarshalling a masked PAN must fail, not produce a fake PAN")
	}
}
