package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The vectors of ANSI X9.24-3-2017 Supplement "Test Vectors" (ASC X9), as
// transcribed in openemv/dukpt's test/dukpt_aes128_test.c and
// test/dukpt_aes256_test.c: BDKs, initial key ID 1234567890123456, and the
// "Calculation of AES PIN Block Format 4" example (PIN 1234, PAN
// 4111111111111111, random fill 2F69ADDE2E9E7ACE). payment/pin tests them
// all; these rows check that the commands reproduce them.
const (
	cvBDK128 = "FEDCBA9876543210F1F1F1F1F1F1F1F1"
	cvBDK256 = "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1"
	cvIK128  = "1273671EA26AC29AFA4D1084127652A1"
	cvIK256  = "CE9CE0C101D1138F97FB6CAD4DF045A7083D4EAE2D35A31789D01CCF0949550F"
	cvPAN    = "4111111111111111"
	cvRandom = "2F69ADDE2E9E7ACE"
)

func TestCryptoDUKPTVectors(t *testing.T) {
	tests := []struct {
		bdk, ksn, keyType, ik, pinKey string
	}{
		{cvBDK128, "123456789012345600000001", "", cvIK128, "AF8CB133A78F8DC2D1359F18527593FB"},
		{cvBDK128, "123456789012345600000008", "aes128", cvIK128, "4D9DF3FBEE3448FC3E676D04320A90F5"},
		{cvBDK256, "123456789012345600000001", "aes128", cvIK256, "09C9C432966811D6B2C3336BAC1B1202"},
		{cvBDK256, "123456789012345600000001", "aes256", cvIK256, "8C1AB7BEE973829E30242E0BBBDD4946D540C98FC1B5BDCF94790001A23FD502"},
		{cvBDK256, "123456789012345600000008", "aes256", cvIK256, "173A45284262A3E292D86D08FD6DE9167963214450D1D48F6103BD2EB08E61B5"},
	}
	for _, tt := range tests {
		t.Run(tt.ksn+"/"+tt.keyType, func(t *testing.T) {
			args := []string{"crypto", "dukpt", "--bdk", tt.bdk, "--ksn", tt.ksn, "--json"}
			if tt.keyType != "" {
				args = append(args, "--key-type", tt.keyType)
			}
			var got struct {
				InitialKey string `json:"initial_key"`
				PINKey     string `json:"pin_key"`
			}
			out := mustTech(t, args...)
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("%v:\n%s", err, out)
			}
			if got.InitialKey != tt.ik || got.PINKey != tt.pinKey {
				t.Errorf("got %+v, want initial key %v, PIN key %v", got, tt.ik, tt.pinKey)
			}
		})
	}
	// Without --json: the same keys, one a line.
	out := mustTech(t, "crypto", "dukpt", "--bdk", strings.ToLower(cvBDK128), "--ksn", "123456789012345600000001")
	if !strings.Contains(out, cvIK128) || !strings.Contains(out, "AF8CB133A78F8DC2D1359F18527593FB") {
		t.Errorf("text output lacks the keys:\n%s", out)
	}
}

func TestCryptoDUKPTRefusals(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--bdk", cvBDK128, "--ksn", "123456789012345600000001", "--key-type", "aes256"}, "key type"},
		{[]string{"--bdk", cvBDK128, "--ksn", "12345678901234560001FFFF"}, "16 one-bits"},
		{[]string{"--bdk", cvBDK128, "--ksn", "123456789012345600000000"}, "16 one-bits"},
		{[]string{"--bdk", cvBDK128, "--ksn", "1234"}, "24 hex digits"},
		{[]string{"--bdk", "FEDCBA98", "--ksn", "123456789012345600000001"}, "--bdk has 8 hex digits"},
		{[]string{"--ksn", "123456789012345600000001"}, "--bdk is required"},
		{[]string{"--bdk", cvBDK128}, "--ksn is required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, errs := techRun(t, append([]string{"crypto", "dukpt"}, tt.args...)...)
			if code != 1 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errs, tt.want)
			}
		})
	}
}

func TestCryptoPINBlockVectors(t *testing.T) {
	// PIN keys and blocks of the first, fourth and eighth transactions of
	// the AES-128 BDK (supplement pp. 2 and 31).
	tests := []struct{ key, block string }{
		{"AF8CB133A78F8DC2D1359F18527593FB", "A912150391AB65A67E52883D81CE2D15"},
		{"91A0588318EC2673214271F70137896E", "71B3D0528669498777555A8BE6698E44"},
		{"4D9DF3FBEE3448FC3E676D04320A90F5", "8308BB857C17F390369F761F8EB358FA"},
	}
	for _, tt := range tests {
		t.Run(tt.block, func(t *testing.T) {
			out := mustTech(t, "crypto", "pinblock", "--format", "4", "--pin", "1234", "--pan", cvPAN, "--key", tt.key, "--random", cvRandom)
			if got := strings.TrimSpace(out); got != tt.block {
				t.Errorf("got %v, want %v", got, tt.block)
			}
			out = mustTech(t, "crypto", "pinblock", "--decipher", "--format", "4", "--pan", cvPAN, "--key", tt.key, tt.block)
			if got := strings.TrimSpace(out); got != "1234" {
				t.Errorf("deciphered %q, want 1234", got)
			}
		})
	}
	// Without --random, two blocks differ and both decipher.
	key := tests[0].key
	b1 := strings.TrimSpace(mustTech(t, "crypto", "pinblock", "--pin", "987654", "--pan", cvPAN, "--key", key))
	b2 := strings.TrimSpace(mustTech(t, "crypto", "pinblock", "--pin", "987654", "--pan", cvPAN, "--key", key))
	if b1 == b2 {
		t.Errorf("two blocks without --random are equal: %s", b1)
	}
	for _, b := range []string{b1, b2} {
		if got := strings.TrimSpace(mustTech(t, "crypto", "pinblock", "--decipher", "--pan", cvPAN, "--key", key, b)); got != "987654" {
			t.Errorf("block %s deciphered to %q", b, got)
		}
	}
}

func TestCryptoPINBlockRefusals(t *testing.T) {
	key := "AF8CB133A78F8DC2D1359F18527593FB"
	tests := []struct {
		args []string
		want string
	}{
		// A block of another transaction's key: the control field is wrong.
		{[]string{"--decipher", "--pan", cvPAN, "--key", key, "52A00503BD34BA1383F6A7EE9FE2547F"}, "control field is not 4"},
		{[]string{"--decipher", "--pan", "4111111111111112", "--key", key, "A912150391AB65A67E52883D81CE2D15"}, "not a valid format 4 PIN block"},
		{[]string{"--decipher", "--pan", cvPAN, "--key", key, "A9121503"}, "BLOCK: want 32 hex digits"},
		{[]string{"--decipher", "--pan", cvPAN, "--key", key}, "takes one BLOCK"},
		{[]string{"--format", "0", "--pin", "1234", "--pan", cvPAN, "--key", key}, "want one of 4"},
		{[]string{"--pin", "123", "--pan", cvPAN, "--key", key}, "4 to 12 digits"},
		{[]string{"--pin", "12345", "--pan", "41111111111111111111", "--key", key}, "1 to 19 digits"},
		{[]string{"--pin", "12345", "--pan", cvPAN, "--key", key, "--random", "00"}, "--random has 2 hex digits, want 16"},
		{[]string{"--pin", "12345", "--pan", cvPAN}, "--key is required"},
		{[]string{"--pin", "12345", "--key", key}, "--pan is required"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := techRun(t, append([]string{"crypto", "pinblock"}, tt.args...)...)
			if code != 1 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", code, errs, tt.want)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if strings.Contains(errs, "12345") {
				t.Errorf("the PIN reached stderr: %q", errs)
			}
		})
	}
}
