// Command benchtable reads `go test -bench` output on stdin and prints one
// summary table: each benchmark metric's median over its runs, its budget
// from budgets.txt (ARCHITECTURE.md §7 and the issues), and whether it holds.
// It exits 1 when a budgeted row is over budget, so `make bench` fails loudly.
//
// usage: go test -run '^$' -bench . -count 5 ./... | go run ./scripts/benchtable scripts/budgets.txt
package main
