// Package ssd1306 drives a Solomon Systech SSD1306 monochrome OLED
// controller (128×64 and 128×32 modules) over I²C or 4-wire SPI: the cheap
// alternative customer display, showing the same frames as the colour LCD
// reduced to one bit per pixel.
//
// It follows the SSD1306 datasheet rev 1.1: §8.1.5 (I²C: a control byte
// 0x00 before commands, 0x40 before display data), §8.1.3 (4-wire SPI: D/C#
// low for commands), §8.7 and §10.1.3 (horizontal addressing mode: 21h sets
// the column window, 22h the page window, data bytes fill them in order),
// §8.7 for the memory layout (8 pages of 8 rows; each byte is one column of
// a page, least significant bit on top). The power-up sequence is periph.io's
// devices/ssd1306 (charge pump 8Dh 14h, multiplex A8h, COM pins DAh).
//
// # Wiring
//
//	I²C:  SDA, SCL, address 0x3C (0x3D with SA0 high)
//	SPI:  SCLK, MOSI, CS, D/C (gpio.PinOut), RES (gpio.PinOut, optional)
//
// Show turns any image into lit and dark pixels by luminance (lit where the
// frame is light), keeps a copy of the glass and sends only the pages and
// columns that changed.
package ssd1306
