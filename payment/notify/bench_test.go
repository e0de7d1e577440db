package notify_test

import (
	"net/mail"
	"strings"
	"testing"
	"time"

	"tpe/payment/notify"
)

func BenchmarkCompose(b *testing.B) {
	m := notify.Message{To: "client@example.com", Subject: "Votre ticket 12,50 € — Boulangerie Élise",
		Text: strings.Repeat("LIGNE DE TICKET 42 COLONNES ............\n", 30), HTML: "<pre>" + strings.Repeat("ligne<br>", 30) + "</pre>"}
	from := mail.Address{Name: "Boulangerie Élise", Address: "tpe@boulangerie.example"}
	now := time.Now()
	for b.Loop() {
		if _, err := notify.Compose(m, from, now); err != nil {
			b.Fatal(err)
		}
	}
}
