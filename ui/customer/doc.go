// Package customer draws the frames of the customer-facing display as plain
// images: welcome, amount to pay with "Présentez votre carte", processing,
// approved, declined (with the reason class), approved offline, the Alipay+
// QR code with its countdown, remove card and pay-by-email link sent, in
// French and English from the terminal's catalogue (payment/i18n,
// display.* keys). The decline class comes from the payment's reason code
// (Presenter.FrameFor), never from its text.
//
// Frames are sized for the 240×320 and 240×240 ST7789 panels (any size
// works; everything scales with the shorter side) and made to be read at
// arm's length: one message per screen, the amount in the largest type, a
// state colour the customer understands before reading (blue: your turn,
// green: paid, red: not paid). The Go fonts (golang.org/x/image/font/gofont)
// are embedded, so frames look the same on every board.
//
// The QR code is drawn with whole pixels per module and a white quiet zone of
// at least four modules (ISO/IEC 18004 §6.3.8), at the largest size the
// screen allows, so a phone scans it at 20–40 cm.
//
// The package never touches hardware: a device/display.Screen shows what
// Render returns.
package customer
