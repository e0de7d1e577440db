// Package flash installs an update bundle on a terminal: on its root file
// system mounted on the technician's laptop (a directory), or on a running
// board over SSH (RFC 4253, golang.org/x/crypto/ssh).
//
// Both ways copy the bundle first into a staging directory of the target
// (StageDir), as NAME.part, then rename it: an interrupted copy is resumed
// from the size of NAME.part at the next run, and the SHA-256 of the whole
// file is compared before anything is installed (a mismatch discards the
// part file). Installing is cmd/internal/update's Apply — done in-process
// for a directory, by the terminal's own `tpectl update apply --root /`
// over SSH, so the terminal checks the signature against the keys it
// trusts, whatever the laptop trusts.
//
// The SSH path runs plain POSIX commands on the board (mkdir, stat, cat,
// sha256sum, mv): no SFTP server is needed, and the host key is checked
// against known_hosts (first contact only with AcceptNew).
package flash
