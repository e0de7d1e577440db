package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"tpe/payment/pin"
)

// runCrypto holds the technicians' tools to check online PIN cryptography
// against the standards' test vectors. They take test keys on the command
// line: the terminal itself never holds a base derivation key.
func runCrypto(_ context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		return subHelp(stdout, "crypto dukpt|pinblock [flags]", `
Tools to check online PIN cryptography against the standards' test vectors:
AES DUKPT key derivation (ANSI X9.24-3-2017) and the ISO 9564-1 format 4 PIN
block. Test keys only: a terminal never holds a base derivation key.`,
			[][2]string{
				{"dukpt", "derive the initial key and the PIN encryption key of a KSN from a BDK"},
				{"pinblock", "encipher a format 4 PIN block, or decipher one (--decipher)"},
			},
			"tpectl crypto dukpt --bdk FEDCBA9876543210F1F1F1F1F1F1F1F1 --ksn 123456789012345600000001 --json",
			"tpectl crypto pinblock --format 4 --pin 1234 --pan 4111111111111111 --key AF8CB133A78F8DC2D1359F18527593FB")
	}
	if len(args) == 0 {
		return usagef("missing subcommand: dukpt or pinblock")
	}
	switch args[0] {
	case "dukpt":
		return runCryptoDUKPT(args[1:], stdout)
	case "pinblock":
		return runCryptoPINBlock(args[1:], stdout)
	}
	return usagef("unknown subcommand %q: want dukpt or pinblock", args[0])
}

// hexFlag decodes a hex flag of one of the given lengths in bytes; its
// error names the flag, not the value (it may be a key).
func hexFlag(name, value string, sizes ...int) ([]byte, error) {
	if value == "" {
		return nil, usagef("--%s is required", name)
	}
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, usagef("--%s is not hex", name)
	}
	for _, n := range sizes {
		if len(b) == n {
			return b, nil
		}
	}
	want := make([]string, len(sizes))
	for i, n := range sizes {
		want[i] = fmt.Sprintf("%d", 2*n)
	}
	return nil, usagef("--%s has %d hex digits, want %s", name, 2*len(b), strings.Join(want, " or "))
}

func upperHex(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }

func runCryptoDUKPT(args []string, stdout io.Writer) error {
	fs := newTechFlags("crypto dukpt", stdout)
	fs.about("crypto dukpt --bdk HEX --ksn HEX [--key-type aes128|aes256] [--json]", `
Derives, per ANSI X9.24-3-2017 AES DUKPT, the initial key of the KSN's
initial key ID (its first 8 bytes) from the base derivation key, then the
PIN encryption working key of the KSN's transaction counter (its last 4
bytes). The BDK's length gives its type (32 hex digits AES-128, 64 AES-256);
an aes256 PIN key needs an AES-256 BDK. A counter with more than 16 one-bits
is refused, as no device uses it.`,
		"tpectl crypto dukpt --bdk FEDCBA9876543210F1F1F1F1F1F1F1F1 --ksn 123456789012345600000001 --json",
		"tpectl crypto dukpt --bdk FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1 --ksn 123456789012345600000001 --key-type aes256")
	bdkHex := fs.String("bdk", "", "base derivation key in hex, 32 or 64 digits (AES-128 or AES-256; test keys only) (required)")
	ksnHex := fs.String("ksn", "", "key serial number in hex, 24 digits: initial key ID (16) then transaction counter (8) (required)")
	keyType := fs.String("key-type", "aes128", "PIN encryption key: aes128 or aes256")
	asJSON := fs.Bool("json", false, `print {"initial_key": HEX, "pin_key": HEX}`)
	if pos, err := fs.parse(args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("crypto dukpt takes no arguments, got %d", len(pos))
	}
	if err := oneOf("key-type", *keyType, "aes128", "aes256"); err != nil {
		return err
	}
	bdk, err := hexFlag("bdk", *bdkHex, 16, 32)
	if err != nil {
		return err
	}
	if *ksnHex == "" {
		return usagef("--ksn is required")
	}
	ksn, err := pin.ParseKSN(*ksnHex)
	if err != nil {
		return usagef("--ksn: want 24 hex digits (8-byte initial key ID, 4-byte counter)")
	}
	wt, err := pin.ParseKeyType(*keyType)
	if err != nil {
		return err
	}
	ik, err := pin.DeriveInitialKey(bdk, ksn.InitialKeyID())
	if err != nil {
		return err
	}
	pk, err := pin.DerivePINKey(ik, ksn, wt)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			InitialKey string `json:"initial_key"`
			PINKey     string `json:"pin_key"`
		}{upperHex(ik), upperHex(pk)})
	}
	fmt.Fprintf(stdout, "initial_key %s\npin_key     %s\n", upperHex(ik), upperHex(pk))
	return nil
}

func runCryptoPINBlock(args []string, stdout io.Writer) error {
	fs := newTechFlags("crypto pinblock", stdout)
	fs.about("crypto pinblock --format 4 --pin PIN --pan PAN --key HEX [--random HEX] | --decipher --format 4 --pan PAN --key HEX BLOCK", `
Enciphers an ISO 9564-1 format 4 PIN block (AES) and prints it in hex: the
PIN field (4, length, PIN, fill A, 8 random bytes) is enciphered, XORed with
the PAN field, and enciphered again. --random fixes the 8 random bytes, to
reproduce a test vector; without it they are drawn at random.
With --decipher, deciphers BLOCK and prints the PIN; a block that is not a
valid format 4 block under this key and PAN exits 1 with the field at fault.
Test keys and PINs only: the command line is not a secure channel.`,
		"tpectl crypto pinblock --format 4 --pin 1234 --pan 4111111111111111 --key AF8CB133A78F8DC2D1359F18527593FB --random 2F69ADDE2E9E7ACE",
		"tpectl crypto pinblock --decipher --format 4 --pan 4111111111111111 --key AF8CB133A78F8DC2D1359F18527593FB A912150391AB65A67E52883D81CE2D15")
	format := fs.Int("format", 4, "PIN block format; 4 (AES) is the only one")
	pinFlag := fs.String("pin", "", "the PIN, 4 to 12 digits (required to encipher)")
	pan := fs.String("pan", "", "the card's PAN, up to 19 digits (required)")
	keyHex := fs.String("key", "", "PIN encryption key in hex, 32 or 64 digits (AES-128 or AES-256) (required)")
	randomHex := fs.String("random", "", "the 8-byte random fill in hex, 16 digits, for test vectors (default: random)")
	decipher := fs.Bool("decipher", false, "decipher BLOCK and print the PIN")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := oneOfInt("format", *format, 4); err != nil {
		return err
	}
	key, err := hexFlag("key", *keyHex, 16, 32)
	if err != nil {
		return err
	}
	if *pan == "" {
		return usagef("--pan is required")
	}
	if *decipher {
		if len(pos) != 1 {
			return usagef("crypto pinblock --decipher takes one BLOCK (32 hex digits)")
		}
		if *pinFlag != "" || *randomHex != "" {
			return usagef("--pin and --random are for enciphering, not with --decipher")
		}
		block, err := hex.DecodeString(pos[0])
		if err != nil || len(block) != pin.BlockSize {
			return usagef("BLOCK: want 32 hex digits")
		}
		p, err := pin.DecipherFormat4(key, block, *pan)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\n", string(p))
		p.Wipe()
		return nil
	}
	if len(pos) > 0 {
		return usagef("crypto pinblock takes no arguments without --decipher, got %d", len(pos))
	}
	if *pinFlag == "" {
		return usagef("--pin is required")
	}
	p, err := pin.ParsePIN(*pinFlag)
	if err != nil {
		return err
	}
	defer p.Wipe()
	var random []byte
	if *randomHex != "" {
		if random, err = hexFlag("random", *randomHex, 8); err != nil {
			return err
		}
	}
	block, err := pin.EncipherFormat4(key, p, *pan, random)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", upperHex(block[:]))
	return nil
}
