package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// wrongPIN is a PIN no virtual card has, unusual enough that finding it
// in the logs is no accident.
const wrongPIN = "905718"

// pinPay starts a card payment of amount, taps card and waits for the PIN
// pad (state awaiting_pin); it returns the payment ID.
func pinPay(t *testing.T, p *simProc, card string, amount int) string {
	t.Helper()
	id := tap(t, p, card, amount)
	p.waitState(t, id, "awaiting_pin")
	return id
}

// tap starts a card payment of amount and taps card.
func tap(t *testing.T, p *simProc, card string, amount int) string {
	t.Helper()
	// The reader is freed just after the last payment's outcome is
	// recorded, which the API may show first: a busy terminal is asked again.
	var (
		status int
		pay    map[string]any
	)
	for range 100 {
		if status, pay = p.call(t, "POST", "/v1/payments", fmt.Sprintf(`{"amount":%d}`, amount)); status != 409 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if status != 201 && status != 200 && status != 202 {
		t.Fatalf("create payment: %d %v", status, pay)
	}
	if status, m := p.call(t, "POST", "/v1/sim/card", fmt.Sprintf(`{"card":%q}`, card)); status != 204 {
		t.Fatalf("present card: %d %v", status, m)
	}
	return pay["id"].(string)
}

// enterPIN plays the customer at the pad.
func enterPIN(t *testing.T, p *simProc, id, body string) {
	t.Helper()
	status, m := p.call(t, "POST", "/v1/sim/pin", body)
	if status != 200 || m["payment_id"] != id {
		t.Fatalf("POST /v1/sim/pin %s: %d %v, want 200 for %s", body, status, m, id)
	}
}

func wantEnd(t *testing.T, p *simProc, id, status, code string) map[string]any {
	t.Helper()
	got := p.waitStatus(t, id, "approved", "declined", "failed", "cancelled")
	if got["status"] != status || (code != "" && got["error_code"] != code) {
		t.Fatalf("payment %s ended %v %v (%v), want %s %s", id, got["status"], got["error_code"], got["error"], status, code)
	}
	return got
}

// Online PIN and PSD2 soft declines through the real tpe-sim process and
// its embedded gateway simulator (PIN 1234 for every virtual card), for a
// Visa and a Mastercard: the cases docs/api.md lists.
func TestOnlinePINThroughTheSimulator(t *testing.T) {
	p := startSim(t, t.TempDir())
	for _, card := range []string{"visa-credit", "mastercard"} {
		t.Run(card, func(t *testing.T) {
			// Nothing waits for a PIN yet.
			if status, _ := p.call(t, "POST", "/v1/sim/pin", `{"pin":"1234"}`); status != 404 {
				t.Fatalf("PIN with no payment waiting: %d, want 404", status)
			}

			// 80,00 €: above the CVM limit, the card asks for its PIN.
			id := pinPay(t, p, card, 8000)
			if status, _ := p.call(t, "POST", "/v1/sim/pin", `{"pin":"12"}`); status != 422 {
				t.Fatalf("a 2-digit PIN: %d, want 422", status)
			}
			enterPIN(t, p, id, `{"pin":"1234"}`)
			got := wantEnd(t, p, id, "approved", "")
			if got["cvm"] != "online_pin" {
				t.Errorf("cvm %v, want online_pin", got["cvm"])
			}

			// A wrong PIN is declined; the customer may try again.
			id = pinPay(t, p, card, 8000)
			enterPIN(t, p, id, `{"pin":"`+wrongPIN+`"}`)
			wantEnd(t, p, id, "declined", "incorrect_pin")
			id = pinPay(t, p, card, 8000)
			enterPIN(t, p, id, `{"pin":"1234"}`)
			wantEnd(t, p, id, "approved", "")

			// Annuler at the pad.
			id = pinPay(t, p, card, 8000)
			enterPIN(t, p, id, `{"action":"cancel"}`)
			wantEnd(t, p, id, "cancelled", "pin_cancelled")

			// PSD2: five 10,00 € contactless payments pass without PIN
			// (the last PIN reset the count); the 6th is soft-declined, the
			// PIN is asked without a second tap and the same payment is
			// approved under a new attempt.
			for i := range 5 {
				id = tap(t, p, card, 1000)
				if got := wantEnd(t, p, id, "approved", ""); got["attempts"] != nil {
					t.Fatalf("payment %d: %v", i+1, got["attempts"])
				}
			}
			id = pinPay(t, p, card, 1000)
			enterPIN(t, p, id, `{"pin":"1234"}`)
			got = wantEnd(t, p, id, "approved", "")
			attempts, _ := got["attempts"].([]any)
			if len(attempts) != 1 {
				t.Fatalf("attempts %v, want the soft-declined one", got["attempts"])
			}
			first := attempts[0].(map[string]any)
			if first["result"] != "065" || first["order_id"] == got["order_id"] {
				t.Errorf("soft-declined attempt %v, payment order %v", first, got["order_id"])
			}

			// Three wrong PINs in a row block the card's PIN.
			for i, want := range []string{"incorrect_pin", "incorrect_pin", "pin_tries_exceeded"} {
				id = pinPay(t, p, card, 8000)
				enterPIN(t, p, id, `{"pin":"`+wrongPIN+`"}`)
				if got := wantEnd(t, p, id, "declined", want); i == 2 && got["error_code"] != "pin_tries_exceeded" {
					t.Fatal(got)
				}
			}
		})
	}
	if strings.Contains(p.logs.String(), wrongPIN) {
		t.Fatal("a PIN reached the simulator's logs")
	}
	if !strings.Contains(p.logs.String(), "awaiting_pin") {
		t.Fatal("the logs were not captured: the leak check proves nothing")
	}
}
