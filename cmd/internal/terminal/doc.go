// Package terminal assembles one payment terminal from its configuration and
// its devices: the journal, the gateway client, boot recovery, the
// forwarder, the EMV card reader, the payment service, the customer-display
// presenter and the local API. cmd/tpe passes real drivers, cmd/tpe-sim
// emulated chips; everything else is the same code.
package terminal
