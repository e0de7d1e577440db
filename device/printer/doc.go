// Package printer is the contract between the payment flow and a receipt
// printer: the payment side builds a Receipt document (what to say), the
// driver lays it out for its paper width (how it looks).
package printer
