// Package hardware opens a terminal's real peripherals from [hardware] in
// tpe.toml: the buses (serial, I²C, SPI, GPIO through periph) and the drivers
// on them. The terminal (cmd/tpe) and the technician's diagnostics
// (tpectl diag) open devices the same way through it. Drivers never own
// their buses, so each Open returns what to close after the driver halted.
package hardware
