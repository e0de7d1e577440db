// Package printertest holds an in-memory printer.Printer for the tests of
// the packages that print (payment, the API, the UI), and Conformance, the
// contract test every printer.Printer implementation passes: the fake here,
// the ESC/POS driver behind the virtual printer, and anything new.
package printertest
