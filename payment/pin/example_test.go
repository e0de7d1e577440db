package pin_test

import (
	"encoding/hex"
	"fmt"

	"tpe/payment/pin"
)

// The terminal's online PIN: the PIN key of the KSN derived from the
// initial key, the format 4 block enciphered under it, the KSN sent with
// it, and the counter advanced for the next transaction. The block itself
// is random each time; the host deciphers it under the same PIN key.
func Example() {
	ik, _ := hex.DecodeString("1273671EA26AC29AFA4D1084127652A1") // X9.24-3 supplement test initial key
	ksn, _ := pin.ParseKSN("123456789012345600000001")
	p, _ := pin.ParsePIN("1234")
	defer p.Wipe()

	block, err := pin.Format4(ik, ksn, pin.AES128, p, "4111111111111111")
	if err != nil {
		fmt.Println(err)
		return
	}

	// The host side, with the same PIN key.
	key, _ := pin.DerivePINKey(ik, ksn, pin.AES128)
	back, err := pin.DecipherFormat4(key, block[:], "4111111111111111")
	fmt.Println(ksn, string(back), err)
	fmt.Println("logged as", back)

	next, _ := ksn.Next()
	fmt.Println(next)
	// Output:
	// 123456789012345600000001 1234 <nil>
	// logged as pin.PIN(redacted)
	// 123456789012345600000002
}
