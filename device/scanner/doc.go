// Package scanner is the contract for a 2D barcode scanner that reads the
// payment code shown on a customer's phone.
package scanner
