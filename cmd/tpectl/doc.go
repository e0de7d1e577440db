// Command tpectl is the technician and developer CLI of the TPE terminal:
// provisioning, diagnostics, update bundles, device tests, EMV card runs,
// token checks and offline-queue inspection. Run `tpectl help` for the list.
package main
