// Package fleet runs a reconnect storm: many real terminal cores in one
// process (journal in bbolt, offline forwarder, gateway client, payment
// service with the real EMV kernel over a virtual card; no UI, no
// peripherals) that took payments offline during an outage and all see the
// gateway again at the same instant. The run is judged from the gateway's
// side: the simulator's ledger (GET /sim/stats), never the terminals' own
// counters. tpectl fleet sim drives it; BenchmarkFleet1000 holds the issue
// 19 budget row.
//
// One process, N journals: each terminal keeps its bbolt file open for the
// run (one file descriptor and a small mmap each) and its own HTTP client
// (at most ForwarderOpts.Concurrency connections). Run checks the process's
// open-file limit against that need before opening anything, and opens and
// fills the journals a few at a time.
package fleet
