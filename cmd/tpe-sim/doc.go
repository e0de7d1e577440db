// Command tpe-sim is the desktop simulator of the TPE terminal: the real
// terminal code with every peripheral an emulated chip speaking its wire
// protocol (PN532 and ESC/POS over PTYs, ST7789 over a fake SPI bus, a
// serial scanner) and an embedded gateway simulator. It needs no config
// file. With a display it opens the simulator window; --headless serves the
// same through the local API (docs/api.md).
//
// Its data directory (--data DIR) holds the journal and the embedded
// gateway's ledger; the device key sealing card data lives beside it, in
// DIR-keys/device.key, never in it. A key an older tpe-sim left in DIR is
// moved there at start.
//
// The window opens at the screen's work area, from 1280×720 up to 1720×940,
// and lays itself out again when resized (docs/screens/simulator);
// TPE_SIM_SIZE=WIDTHxHEIGHT (such as 1366x768) opens it at a given size.
package main
