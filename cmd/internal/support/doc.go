// Package support builds the redacted support bundle a technician sends to
// support (`tpectl logs export`): a tar.gz with the version and A/B slot
// state, the config with every secret masked, journal counters, and the
// terminal's logs passed line by line through Redact.
//
// Nothing leaves unredacted: card numbers (any run of 12 or more digits,
// spaced or dashed, and track 2 equivalents), bearer tokens, JWTs, long hex
// or base64 blobs (keys, cryptograms) and the values of secret-looking keys
// (password, secret, token, key, authorization, pan, track2…) are masked.
// Key files and the journal itself are never included. Redaction is
// deliberately greedy: a timestamp mistaken for a card number costs support
// a little reading; a card number mistaken for a timestamp is a breach
// (PCI DSS req. 3.3–3.4).
package support
