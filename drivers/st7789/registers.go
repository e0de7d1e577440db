package st7789

// Command bytes, ST7789VW datasheet §9.1 and §9.2. They are exported so the
// emulator in st7789sim decodes the very values the driver sends.
const (
	NOP     = 0x00
	SWRESET = 0x01 // software reset; wait 5 ms (120 ms if in sleep out)
	SLPIN   = 0x10
	SLPOUT  = 0x11 // sleep out; wait 5 ms before the next command, 120 ms before SLPIN
	NORON   = 0x13
	INVOFF  = 0x20
	INVON   = 0x21 // IPS glass needs inversion on to show true colours
	DISPOFF = 0x28
	DISPON  = 0x29
	CASET   = 0x2A // column address set: XS, XE, 16-bit big endian, inclusive
	RASET   = 0x2B // row address set: YS, YE
	RAMWR   = 0x2C // memory write from (XS, YS)
	MADCTL  = 0x36 // memory data access control
	COLMOD  = 0x3A // interface pixel format
	RAMWRC  = 0x3C // memory write continue
	PORCTRL = 0xB2
	FRCTRL2 = 0xC6
)

// MADCTL bits.
const (
	MadctlMY  = 0x80 // row address order (mirror vertically)
	MadctlMX  = 0x40 // column address order (mirror horizontally)
	MadctlMV  = 0x20 // row/column exchange
	MadctlML  = 0x10 // vertical refresh order
	MadctlBGR = 0x08 // panel wired blue-green-red
	MadctlMH  = 0x04 // horizontal refresh order
)

// COLMOD values: the low nibble is the MCU interface format.
const (
	Colmod12 = 0x53 // RGB444, 12 bits per pixel
	Colmod16 = 0x55 // RGB565, 16 bits per pixel
	Colmod18 = 0x66 // RGB666, 18 bits per pixel in three bytes
)

// Frame memory of the controller, whatever glass is mounted on it.
const (
	RAMWidth  = 240
	RAMHeight = 320
)
