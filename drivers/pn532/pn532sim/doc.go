// Package pn532sim emulates an NXP PN532 NFC controller at the wire level,
// so that the real driver (tpe/drivers/pn532) — and standard PN532 host
// software such as libnfc's pn532_uart — can be run against it.
//
// It follows the PN532 User Manual UM0701-02 (frames §6.2, commands §7)
// and what libnfc 1.8 actually sends (see the project's research note
// hardware-emv.md §1–2): it powers up in LowVbat and wakes on the HSU 0x55
// preamble; acknowledges every valid command frame before answering; takes a
// host ACK as "abort the running command" and a host NACK as "send the last
// response again"; ignores frames with bad checksums; answers unknown or
// malformed commands with the error frame; parses normal and extended
// frames.
//
// Commands: Diagnose (0x00 echo, 0x06 card presence), GetFirmwareVersion
// (PN532 v1.6, support 0x07), GetGeneralStatus, Read/WriteRegister (a
// 16-bit address store that remembers writes), SetSerialBaudRate,
// SetParameters, SAMConfiguration, PowerDown, RFConfiguration (field,
// timings, retries, analog items), InListPassiveTarget (106 kbps type A,
// waits for a card when MxRtyPassiveActivation is 0xFF), InAutoPoll,
// InDataExchange (host chaining with Tg bit 6, MI chaining of responses
// longer than one frame), InCommunicateThru (libnfc's presence check),
// InDeselect, InRelease, InSelect.
//
// The card in the field is APDU level (ISO 14443-4 is handled "inside the
// chip", as the real PN532 does): any nfc.Card, described by nfc.TargetInfo
// or DefaultTarget. Place and Remove work at any time from any goroutine; a
// card removed during an exchange makes InDataExchange fail with status 01.
// A deselected or released card stays halted until the field is cycled.
//
// Host interfaces:
//
//	chip := pn532sim.New(&pn532sim.Opts{Pace: true})
//	go chip.ServeHSU(ctx, pty.Master)   // HSU on a PTY (ptysim.NewPTY)
//	bus := chip.I2C()                   // periph i2c.Bus, address 0x24
//	port := chip.SPI(nil)               // periph spi.Port, mode 0 LSB first
//
// With Opts.Pace, HSU bytes take their wire time at the configured baud rate
// in both directions, so timings measured through the emulator are honest.
// Inject, SetSilent and SetResponseDelay misbehave on purpose for tests.
package pn532sim
