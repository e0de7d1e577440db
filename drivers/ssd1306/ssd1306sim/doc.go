// Package ssd1306sim emulates an SSD1306 OLED controller at the wire level,
// on I²C (it is an i2c.Bus answering at its address) and on 4-wire SPI (it
// is an spi.Port, with fake D/C and RES pins). It decodes the datasheet's
// command set (rev 1.1 §9: addressing modes, column and page windows,
// segment remap, COM scan direction, multiplex, charge pump, display
// on/off, inversion) into the 128×64 GDDRAM, and Snapshot shows the glass:
// white where pixels are lit. GDDRAM powers up with noise.
package ssd1306sim
