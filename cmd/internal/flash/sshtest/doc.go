// Package sshtest is an in-process SSH server on loopback for tests of the
// flash SSH path: it authenticates one client key and runs each exec
// request with /bin/sh, like sshd on a terminal. No external host is used.
package sshtest
