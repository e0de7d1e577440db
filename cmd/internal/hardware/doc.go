// Package hardware opens a terminal's peripherals from [hardware] in
// tpe.toml: the buses (serial, I²C, SPI, GPIO through periph) and the real
// drivers on them. Open opens them all, the one way every program does
// (cmd/tpe; tpe-sim adds its "sim" driver with Opts.Factories); what a build
// cannot open is an error naming the config key and the fix, never a device
// silently left out. Drivers never own their buses, so Open (and each
// OpenNFC, OpenPrinter…) returns what to close after the drivers halted.
package hardware
