// Package st7789 drives a Sitronix ST7789 colour LCD controller (240×240,
// 240×320 and 135×240 IPS panels) over 4-wire SPI: the customer-facing
// display of the terminal.
//
// It follows the Sitronix ST7789VW datasheet v1.0: §8.4 (4-line serial
// interface: D/CX low = command byte, high = parameters and pixel data, MSB
// first), §9.1 system commands (SWRESET 01h, SLPOUT 11h, INVON 21h, DISPON
// 29h, CASET 2Ah, RASET 2Bh, RAMWR 2Ch, MADCTL 36h, COLMOD 3Ah) and §8.12 for
// the 16-bit RGB565 pixel format (two bytes per pixel, RRRRRGGG GGGBBBBB,
// high byte first). The power-up sequence and the MADCTL rotation values
// follow the tinygo and Adafruit drivers, which are known to work on the
// common breakout boards.
//
// # Wiring
//
//	panel   host
//	SCL  ── SPI SCLK      (mode 0; mode 3 on boards without a CS pin)
//	SDA  ── SPI MOSI
//	CS   ── SPI CE0       (absent on some 240×240 boards)
//	DC   ── any GPIO      (gpio.PinOut, required)
//	RES  ── any GPIO      (gpio.PinOut, optional: SWRESET is used without it)
//	BLK  ── any GPIO      (gpio.PinOut, optional backlight enable)
//
// The controller always has a 240×320 frame memory. Smaller glass sits at a
// fixed place in it, so a 240×240 panel needs a row offset of 80 when it is
// turned 180° and a column offset of 80 at 270°; 135×240 panels sit at column
// 52, row 40. Dev computes the offsets for every rotation from Opts.
//
// # Transfers
//
// Linux spidev refuses transfers over its bufsiz (4096 bytes by default), so
// pixel data is sent in chunks no larger than the port's conn.Limits or
// Opts.MaxTxSize. Dev keeps a copy of what the glass shows and, on Show,
// sends only the smallest rectangle that covers the changed pixels: a
// countdown on the QR screen costs a few hundred bytes, not a 150 KiB frame.
//
// The emulator in st7789sim decodes the same byte stream into an image, so
// tests and the simulator see exactly what the panel would show.
package st7789
