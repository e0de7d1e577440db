// Package serialport opens serial devices (UARTs, USB-serial adapters and
// pseudo-terminals) for the drivers of serial peripherals: the PN532 in HSU
// mode, ESC/POS printers and 2D scanners. It is the only package of the
// module that imports github.com/tarm/serial.
//
// A Port always has a read timeout. tarm/serial reports an idle line as
// (0, io.EOF) — the termios VTIME timer expired, nothing arrived — which
// callers cannot tell from a closed stream. Port.Read turns it into
// (0, ErrTimeout); ErrTimeout also answers true to Timeout(), like net and os
// deadline errors. A hung-up line (adapter unplugged, PTY master closed) also
// reads as (0, io.EOF), at once, and as EIO for a Read already waiting: Read
// tells the two apart with a write of no bytes, which only a hung-up tty
// refuses (EIO), and reports ErrHangUp, which is not a timeout.
//
// The termios timer counts in tenths of a second: ReadTimeout is rounded up
// to 100 ms steps (max 25.5 s). A Read returns as soon as one byte is there;
// the timeout only bounds how long an idle Read blocks, which is also how long
// Close may wait for a Read in progress.
//
// Emulators and tests make pseudo-terminal pairs with
// drivers/serialport/ptysim, kept apart so that the production binary does
// not link creack/pty.
package serialport
