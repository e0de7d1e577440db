package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"tpe/payment/emv"
	"tpe/payment/emv/cardsim"
)

// currencies maps the ISO 4217 codes the CLI accepts to numeric code and exponent.
var currencies = map[string][2]int{"EUR": {978, 2}, "USD": {840, 2}, "GBP": {826, 2}, "CHF": {756, 2}, "JPY": {392, 0}, "CNY": {156, 2}}

// countries maps ISO 3166 alpha-2 codes to numeric.
var countries = map[string]uint16{"FR": 250, "DE": 276, "GB": 826, "US": 840, "ES": 724, "IT": 380, "BE": 56, "CH": 756, "NL": 528}

type emvJSON struct {
	Outcome        emv.Outcome `json:"outcome"`
	Reason         string      `json:"reason"`
	Message        string      `json:"message,omitempty"`
	AID            string      `json:"aid"`
	Label          string      `json:"label"`
	Kernel         int         `json:"kernel"`
	Brand          emv.Brand   `json:"brand"`
	PANFirst6      string      `json:"pan_first6"`
	PANLast4       string      `json:"pan_last4"`
	Expiry         string      `json:"expiry"`
	PANSeq         int         `json:"pan_seq"`
	ATC            uint16      `json:"atc"`
	CryptogramType string      `json:"cryptogram_type"`
	CVM            emv.CVM     `json:"cvm"`
	ODA            string      `json:"oda"`
	TVR            string      `json:"tvr"`
	APDUs          int         `json:"apdus"`
}

func runEMV(ctx context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"run", "--help"}
	}
	if len(args) == 0 || args[0] != "run" {
		return usagef("emv: want the subcommand run")
	}
	fs := newTechFlags("emv run", stdout)
	fs.about("emv run --card PROFILE|FILE --amount MINOR [--currency EUR] [--country FR] [--floor-limit MINOR] [--online-pin=false] [--signature] [--refund] [--json]", `
Runs the terminal's EMV kernel against a virtual card (a profile of
payment/emv/cardsim) or a scripted one (a *.card.json file) and prints the
outcome, the card's masked number, the cryptogram type, the CVM and the TVR.
Above the CVM limit (50.00) a plastic card asks for online PIN when the
terminal offers it (--online-pin, on by default like [emv] online_pin).`,
		"tpectl emv run --card visa-credit --amount 1250",
		"tpectl emv run --card mastercard --amount 800 --floor-limit 3000 --json",
		"tpectl emv run --card visa-credit --amount 8000 --online-pin=false")
	cardArg := fs.String("card", "", "virtual card profile ("+profileNames()+") or a *.card.json file (required)")
	amount := fs.Int64("amount", 0, "amount in minor units, e.g. 1250 for 12.50 (required)")
	currency := fs.String("currency", "EUR", "ISO 4217 currency code: "+strings.Join(sortedKeys(currencies), ", "))
	country := fs.String("country", "FR", "terminal country, ISO 3166 alpha-2: "+strings.Join(sortedKeys(countries), ", "))
	floor := fs.Int64("floor-limit", 0, "contactless floor limit in minor units (0: everything online)")
	onlinePIN := fs.Bool("online-pin", true, "the terminal collects online PINs (the [emv] online_pin key)")
	signature := fs.Bool("signature", false, "the terminal accepts a signature above the CVM limit (the [emv] signature key)")
	refund := fs.Bool("refund", false, "run a refund instead of a purchase")
	asJSON := fs.Bool("json", false, "print the outcome as JSON")
	if pos, err := fs.parse(args[1:]); err != nil {
		return err
	} else if len(pos) != 0 {
		return usagef("emv run: unexpected argument %q", pos[0])
	}
	if *cardArg == "" || !fs.set("amount") || *amount < 0 {
		return usagef("emv run: --card and --amount (minor units, >= 0) are required")
	}
	if err := oneOf("currency", strings.ToUpper(*currency), sortedKeys(currencies)...); err != nil {
		return err
	}
	if err := oneOf("country", strings.ToUpper(*country), sortedKeys(countries)...); err != nil {
		return err
	}
	cur, cc := currencies[strings.ToUpper(*currency)], countries[strings.ToUpper(*country)]

	// A profile name wins; anything else is a scripted card file.
	var card emv.Card
	if c, err := cardsim.New(*cardArg); err == nil {
		card = c
	} else {
		s, err := cardsim.LoadScript(*cardArg)
		if errors.Is(err, os.ErrNotExist) && !strings.ContainsAny(*cardArg, "/.") {
			return usagef("emv run: unknown card %q (profiles: %s, or a *.card.json file)", *cardArg, profileNames())
		}
		if err != nil {
			return err
		}
		card = s
	}

	cfg := emv.DefaultConfig()
	cfg.CountryCode = cc
	cfg.CAKeys = cardsim.CAKeys()
	cfg.OnlinePIN, cfg.Signature = *onlinePIN, *signature
	for i := range cfg.Apps {
		cfg.Apps[i].FloorLimit = *floor
	}
	typ := emv.Purchase
	if *refund {
		typ = emv.Refund
	}
	res, err := emv.New(&cfg).Run(ctx, card, emv.Transaction{
		Amount: *amount, CurrencyNumeric: uint16(cur[0]), CurrencyExponent: cur[1], Date: time.Now(), Type: typ,
	})
	if err != nil {
		return err
	}
	out := emvJSON{
		Outcome: res.Outcome, Reason: res.Reason, Message: res.Message.String(), AID: res.AID, Label: res.Label,
		Kernel: int(res.Kernel), Brand: res.Brand, PANFirst6: res.PAN.First6(), PANLast4: res.PAN.Last4(),
		Expiry: res.Expiry, PANSeq: res.PANSeq, ATC: res.ATC, CryptogramType: string(res.CryptogramType),
		CVM: res.CVM, ODA: string(res.ODA), TVR: fmt.Sprintf("%X", res.TVR), APDUs: res.APDUs,
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(stdout, "outcome:    %s\nreason:     %s\n", out.Outcome, out.Reason)
	if out.Message != "" {
		fmt.Fprintf(stdout, "message:    %s\n", out.Message)
	}
	if out.AID != "" {
		fmt.Fprintf(stdout, "aid:        %s %s (kernel %d, %s)\n", out.AID, out.Label, out.Kernel, out.Brand)
	}
	if !res.PAN.IsZero() {
		fmt.Fprintf(stdout, "pan:        %s  expiry %s  seq %d\n", res.PAN.Masked(), out.Expiry, out.PANSeq)
	}
	if out.CryptogramType != "" {
		fmt.Fprintf(stdout, "cryptogram: %s  atc %d\n", out.CryptogramType, out.ATC)
	}
	fmt.Fprintf(stdout, "cvm:        %s\noda:        %s\ntvr:        %s\napdus:      %d\n", out.CVM, out.ODA, out.TVR, out.APDUs)
	return nil
}

func profileNames() string {
	var n []string
	for _, p := range cardsim.Profiles() {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}
