package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"tpe/payment"
)

// The cards of one request share one ECDH-ES key agreement: the same
// protected header (one epk), each with its own wrapped content key and IV,
// and each opens alone with go-jose's decrypter (an implementation that is
// not ours). Another request agrees afresh.
func TestBatchSealerSharesOneAgreement(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key := &jose.JSONWebKey{Key: &priv.PublicKey, KeyID: "ec-1", Use: "enc", Algorithm: string(CardKeyAlgEC)}
	s, err := newCardSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	pans := []string{"4970100000000014", "5413330089010491", "4000000000000051"}
	card := func(pan string) payment.CardData {
		return payment.CardData{PAN: payment.NewPAN(pan), Expiry: "2812", ICC: payment.NewSecret([]byte{0x9F, 0x02, 0x06, 0, 0, 0, 0, 0x10, 0})}
	}
	var jwes [][]string
	for _, pan := range pans {
		compact, err := s.seal(card(pan))
		if err != nil {
			t.Fatal(err)
		}
		obj, err := jose.ParseEncryptedCompact(compact, CardKeyAlgs, []jose.ContentEncryption{CardEnc})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := obj.Decrypt(priv)
		if err != nil || !strings.Contains(string(plain), `"pan":"`+pan+`"`) {
			t.Fatalf("go-jose opens card %s: %q, %v", pan, plain, err)
		}
		jwes = append(jwes, strings.Split(compact, "."))
	}
	s.close()
	if s.kek[0]|s.kek[31] != 0 {
		t.Error("the key-encryption key outlives close")
	}
	for i := 1; i < len(jwes); i++ {
		if jwes[i][0] != jwes[0][0] {
			t.Errorf("card %d has another protected header: not one agreement", i)
		}
		for _, part := range []int{1, 2} { // wrapped content key, IV
			if jwes[i][part] == jwes[0][part] {
				t.Errorf("cards 0 and %d share part %d", i, part)
			}
		}
	}
	// A swapped content key does not open: each card's key is its own.
	swapped := strings.Join([]string{jwes[0][0], jwes[1][1], jwes[0][2], jwes[0][3], jwes[0][4]}, ".")
	if obj, err := jose.ParseEncryptedCompact(swapped, CardKeyAlgs, []jose.ContentEncryption{CardEnc}); err == nil {
		if _, err := obj.Decrypt(priv); err == nil {
			t.Error("card 0 opened with card 1's content key")
		}
	}
	other, err := SealCard(key, card(pans[0]))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Split(other, ".")[0] == jwes[0][0] {
		t.Error("a second request reuses the first one's ephemeral key")
	}
}
