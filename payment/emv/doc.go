// Package emv is the contactless EMV kernel of the terminal: Entry Point
// (EMV Contactless Book B), kernel 3 (Visa qVSDC, Book C-3) and kernel 2
// (Mastercard M/Chip, Book C-2), used for Visa, Mastercard, Maestro and CB
// (Cartes Bancaires, A0000000421010, run on the kernel its PPSE entry names
// in 9F2A, else kernel 3). Amex (kernel 4) is detected and answered with
// "try another interface".
//
// Flow of Kernel.Run (every step bounded, every card answer checked):
//
//  1. Pre-processing (Book B §3.1): per application, the contactless
//     transaction limit (amount >= limit: not allowed), the floor limit
//     (amount above it: TTQ byte 2 bit 80, online cryptogram required) and
//     the CVM required limit (kernel 3: amount >= limit sets TTQ byte 2
//     bit 40; kernel 2: amount > limit). A zero amount always goes online.
//  2. SELECT PPSE; candidate list from the 61 entries whose AID starts with
//     a configured AID, ordered by priority 87 (1 first, none last); SELECT
//     AID with fall-back to the next candidate on 6A82, 6283, 6A81 or a bad
//     FCI; GPO 6985 also means "select next" (Book B §3.3.3).
//  3. Kernel: PDOL data from terminal data (TTQ 9F66, unpredictable number
//     9F37 from Config.Rand, amounts, dates...), GPO formats 1 and 2, AFL
//     validation and READ RECORD, then
//     - kernel 3: cryptogram from GPO; CVM from CTQ 9F6C; a TC is accepted
//     only inside the floor limit and after fDDA succeeds, else CTQ decides
//     (online, other interface) or the reader declines;
//     - kernel 2: processing restrictions, on-device CVM or CVM list,
//     terminal action analysis (TAC/IAC), CDOL1 and GENERATE AC with CDA
//     requested when supported; a TC is accepted only with a valid CDA.
//  4. Outcome: online_request (ARQC), approved (TC + ODA), declined (AAC or
//     terminal decision), try_another_interface (no PPSE, no accepted
//     application, CVM required but impossible), end_application (the card
//     misbehaved). Reason says why; Message is the Book A user interface
//     message identifier for the cashier.
//
// Cardholder verification. The terminal has no contact reader, so
// try_another_interface means another payment method (MsgTryAnotherMethod,
// never "insert card"). Config.OnlinePIN (the touchscreen PIN pad) and
// Config.Signature are advertised to the card: TTQ byte 1 bits 04 and 02
// (Book C-3 §5.2.2), and for kernel 2 the CVM Capability – CVM Required
// (DF8118: 40 online PIN, 20 signature) as Terminal Capabilities byte 2
// above the CVM limit, "No CVM" (DF8119, 08) below it. Above the CVM limit:
//   - a phone that verified its holder (CTQ byte 2 80; kernel 2 AIP on-device
//     CVM) gives CVM cdcvm;
//   - a Visa card that asks for online PIN (CTQ byte 1 80) with an ARQC, or
//     a Mastercard whose CVM list reaches "enciphered PIN verified online"
//     (02) gives online_request with CVM online_pin: the terminal collects
//     the PIN and sends it enciphered with the authorisation. Kernel 2 then
//     asks for an ARQC, sets TVR byte 3 "online PIN entered" and 9F34
//     42 03 00 (result unknown: the issuer decides);
//   - signature likewise, only when configured (not in France);
//   - a card that verifies its holder only with a contact chip (offline
//     PIN in its CVM list, or no CTQ CVM the reader offers) ends in
//     try_another_interface, CVM failed, "use another payment method".
//
// An offline-only terminal never offers online PIN.
//
// Refunds: the card is asked for (kernel 2) or returns (kernel 3) an AAC,
// and the outcome is online_request with MsgCardReadOK: the refund goes to
// the acquirer.
//
// Offline data authentication follows EMV 4.4 Book 2 (see oda.go), with the
// CA public key table of Config.CAKeys. Unknown CA keys, broken chains or
// signatures never lead to an approval.
//
// Wiring (payment service, cmd):
//
//	cfg := emv.DefaultConfig()           // French attended terminal, EUR
//	cfg.CAKeys = caTable                 // cardsim.CAKeys() in the simulator
//	cfg.Logger = logger
//	k := emv.New(&cfg)                   // once; safe for concurrent use
//	res, err := k.Run(ctx, nfcCard, emv.Transaction{Amount: 1250, CurrencyNumeric: 978, CurrencyExponent: 2})
//	// err: ctx done or card transport failure (errors.Is(err, emv.ErrCard),
//	// and the device error, e.g. nfc.ErrCardRemoved). Otherwise switch on
//	// res.Outcome; res.ICC.Reveal() is the DE55 blob for authorisation,
//	// res.PAN.Digits() and res.Track2.Reveal() are for sealing only.
//
// device/nfc.Card satisfies emv.Card structurally; this package imports
// nothing outside the standard library and emv/tlv.
//
// Limits of this kernel, on purpose: no CA revocation list or CA key
// expiry; no Visa MSD or Mastercard mag-stripe mode; no transit, cashback
// or issuer update processing; Amex, JCB, Discover and UnionPay kernels are
// not implemented (their AIDs end in try_another_interface).
//
// Card data never leaves the package in clear by accident: PAN, Secret and
// ICCData print, log and marshal masked; PAN.Digits and Secret.Reveal are
// the explicit ways to the values, for sealing and the gateway.
package emv
