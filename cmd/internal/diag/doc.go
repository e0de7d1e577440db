// Package diag is the terminal's self-test (`tpectl diag`): one check per
// peripheral function and service, each ending pass, warn, fail or skip
// with the detail and, for anything not passing, the fix a technician can
// apply on site.
//
// Checks work on the device contracts (device/nfc, device/printer,
// device/display, device/scanner) plus a few optional hooks (firmware, RF
// field, tapping a test card, scanning the test code) that the wiring
// fills from the real drivers or from the emulators of device/sim (Sim).
// Card detection selects the PPSE (EMV Book B §3.3.2, "2PAY.SYS.DDF01")
// and expects 9000: the full APDU path, not just an anticollision. Services
// are checked layer by layer — TCP reachability, TLS (trust anchor, SPKI pin,
// certificate expiry), the OAuth 2.0 client-credentials token (RFC 6749
// §4.4, never printed), the gateway's /health — so the failing layer names
// its own fix. The journal is opened read-only with bbolt's full consistency
// check (offline.Opts.Check).
package diag
