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
// moved there at start. Beside it, DIR-keys/pin.key is the AES DUKPT
// initial key for online PIN, which tpe-sim injects itself at first start
// (it acts as the key injection facility): the initial key of initial key
// ID 1234567890123456 under the ANSI X9.24-3-2017 test BDK, which the
// embedded gateway simulator holds to decipher PIN blocks. Every virtual
// card's PIN is 1234 (docs/api.md, "Online PIN and PSD2").
//
// The window opens at the screen's work area, from 1280×720 up to 1720×940,
// and lays itself out again when resized (docs/screens/simulator);
// TPE_SIM_SIZE=WIDTHxHEIGHT (such as 1366x768) opens it at a given size.
package main
