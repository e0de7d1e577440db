// Command tpe is the payment terminal: it reads tpe.toml, opens the real
// peripherals (PN532, ESC/POS printer, ST7789 display, scanner), the
// journal and the gateway, recovers what a power cut interrupted, and runs
// the cashier UI full screen and the local API. --headless runs without the
// UI, for terminals driven by a cash register.
package main
