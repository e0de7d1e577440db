// Package simbench benchmarks the offline forwarder against the gateway
// simulator (payment/gateway/gatewaysim) over loopback HTTP with the real
// gateway client (payment/gateway): the path an offline approval takes in
// production, card data sealed per request. It holds no code; it is a
// package of its own so that offline's tests do not depend on the simulator.
//
//	go test -run '^$' -bench . ./offline/simbench/            # 1 000 payments
//	TPE_BENCH_N=10000 go test -run '^$' -bench . ./offline/simbench/
package simbench
