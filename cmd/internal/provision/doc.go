// Package provision writes a terminal's identity under a root directory (/
// on the board, the mounted SD card's root on a technician's laptop, a temp
// directory in tests):
//
//	etc/tpe/tpe.toml              config, validated by package config (0640)
//	etc/tpe/private/device.key    data-at-rest key, offline.CreateKey (0600, dir 0700;
//	                              offline.key_file, never inside data_dir)
//	etc/tpe/terminal.key, .pub    the terminal's ed25519 key pair (PKCS #8 0600 / PKIX PEM)
//	etc/tpe/terminal-id.png       QR code of the terminal ID, for the asset label
//	etc/tpe/trusted-keys/*.pub    release keys update bundles must be signed by
//	etc/tpe/api.crt, api.key      with APITLS: the local API's self-signed ECDSA P-256 pair (0600)
//
// The config's api.token is generated (crypto/rand, 43 URL-safe characters)
// when the request has none; an existing config's token is kept, so the
// cash registers keep working.
//
// Provisioning is idempotent: the same request twice changes nothing.
// Keys (the API's TLS pair too: cash registers pin it) are created once and never replaced, even with Force — a new device
// key would make every sealed card of the journal unreadable, a new
// terminal key would break its enrolment at the acquirer. Force only lets a
// different config replace the existing one.
package provision
