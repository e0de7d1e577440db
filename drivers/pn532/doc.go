// Package pn532 drives an NXP PN532 NFC controller as a contactless payment
// card reader: it implements device/nfc (Dev is an nfc.Reader, Card an
// nfc.Card and nfc.TargetInfo).
//
// It follows the PN532 User Manual UM0701-02: frames (§6.2.1: normal and
// extended information frames with LCS/DCS checksums, ACK, NACK, error
// frame), the three host interfaces (§6.2.3–6.2.5) and the commands (§7) a
// payment reader needs: GetFirmwareVersion, SAMConfiguration, SetParameters,
// RFConfiguration (field, timings, retries), InListPassiveTarget at 106 kbps
// type A (ATQA, SAK, 4/7/10-byte UID, ATS), InDataExchange with chaining in
// both directions, InRelease, InDeselect, PowerDown, Diagnose and registers.
// Non-zero status bytes become *StatusError, which errors.Is matches to
// nfc.ErrTimeout or nfc.ErrCardRemoved; link failures wrap nfc.ErrReader.
//
// Wiring:
//
//	HSU (UART, 115200 8N1):
//	    port, _ := serialport.Open("/dev/ttyS0", nil)
//	    dev, _ := pn532.NewHSU(ctx, port, nil)
//	    Set the board's I0/I1 switches to HSU (both low). The driver sends the
//	    55 55 00… wake-up before the first command and after PowerDown.
//	I²C (address 0x24, up to 400 kHz):
//	    bus, _ := i2creg.Open("")
//	    dev, _ := pn532.NewI2C(ctx, bus, nil)
//	    The driver polls the ready bit of the status byte every Opts.BusPoll.
//	SPI (mode 0, LSB first, ≤ 5 MHz):
//	    port, _ := spireg.Open("")
//	    dev, _ := pn532.NewSPI(ctx, port, nil)
//	    Bit order is reversed in software when the controller refuses
//	    spi.LSBFirst (Raspberry Pi). Prefixes: 01 data write, 02 status read,
//	    03 data read.
//
// Robustness: every wait is bounded (Opts timeouts) and ctx is checked
// between short reads; a missing ACK is retried once after a wake-up; a
// corrupted or missing response is NACKed (the chip resends) twice, then
// the command is aborted with an ACK and the line drained; frames that do
// not answer the current command are skipped. When Detect or Transceive is
// cancelled, the RF field is turned off. A card that stops answering is
// checked with Diagnose (card presence) and reported as nfc.ErrCardRemoved
// when gone.
//
// The emulator in pn532sim speaks the same protocol for tests and the
// simulator.
package pn532
