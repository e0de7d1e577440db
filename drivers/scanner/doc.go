// Package scanner drives a serial 2D barcode scanner (Honeywell, Zebra,
// Newland, Datalogic and the unbranded GM65/GM861 modules) in its default
// "keyboard-less" serial mode: each decoded code arrives as ASCII on the
// line, followed by a terminator (CR by default, CR LF on many models),
// optionally wrapped in a configured prefix and suffix (STX/ETX or an AIM
// symbology identifier such as "]Q1"). The customer holds up the payment
// code of their wallet app (Alipay+ CPM: 17–32 digits); Scan returns it.
//
// It implements device/scanner.Scanner on any io.Reader (drivers never own
// buses); Open is the convenience for a device path through
// drivers/serialport, and then Halt closes the port.
//
// A background reader assembles lines as bytes arrive, so Scan answers its
// ctx at once and a code is never split by a read timeout. What Scan
// refuses is reported with a *CodeError (too long, garbled, cut off) and the
// scanner stays usable; only ErrUnplugged (the port went away) is final.
// Codes completed before Scan was called are dropped: a code scanned while
// nobody asked for one must not pay for the next sale.
//
// A payment code is a bearer token: it never appears in errors or logs,
// only its length.
//
// # Wiring
//
//	scanner TX ── host RX (3.3 V TTL, or the USB-CDC port /dev/ttyACM0)
//	scanner RX ── host TX (only for configuration commands, unused here)
//	9600 baud 8N1 is the factory setting of most modules; 115200 is common.
package scanner
