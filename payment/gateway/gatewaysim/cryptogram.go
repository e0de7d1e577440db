package gatewaysim

import (
	"errors"
	"fmt"
	"strconv"

	"tpe/payment/emv/cardsim"
	"tpe/payment/emv/tlv"
)

// VirtualCardVerifier verifies cryptograms of payment/emv/cardsim's
// virtual cards (their issuer master key is public test material). It is
// the default Opts.VerifyCryptogram. Card data without ICC data (fakes in
// unit tests of other packages) is not checked unless Opts.RequireICC.
func VirtualCardVerifier(pan, panSeq string, icc []byte) error {
	if len(icc) == 0 {
		return nil
	}
	seq := -1
	if panSeq != "" {
		n, err := strconv.Atoi(panSeq)
		if err != nil {
			return fmt.Errorf("gatewaysim: bad PAN sequence number")
		}
		seq = n
	}
	return cardsim.VerifyARQC(pan, seq, icc)
}

func init() { DefaultCryptogramVerifier = VirtualCardVerifier }

// errAmountMismatch is ICC data authorising another amount than requested.
var errAmountMismatch = errors.New("gatewaysim: amount in the ICC data differs from the request")

// checkICCAmount refuses a cryptogram computed for another amount (9F02,
// n12): otherwise a captured ARQC could authorise any sum.
func checkICCAmount(icc []byte, amount int64) error {
	if len(icc) == 0 {
		return nil
	}
	l, err := tlv.Parse(icc)
	if err != nil {
		return err
	}
	v, ok := l.Find(0x9F02)
	if !ok {
		return errAmountMismatch
	}
	n, ok := tlv.DecodeN(v.Value)
	if !ok || int64(n) != amount {
		return errAmountMismatch
	}
	return nil
}
