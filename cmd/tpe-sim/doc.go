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
package main
