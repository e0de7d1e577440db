// Package paymenttest holds honest in-memory fakes of the payment ports, for
// tests of the Service and of the packages that drive it (API, UI). The
// production adapters (offline.Store, gateway.Client, the EMV card reader)
// have their own tests against real files, servers and emulated chips.
package paymenttest
