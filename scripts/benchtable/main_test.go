package main

import (
	"bytes"
	"strings"
	"testing"
)

const sample = `goos: linux
BenchmarkKernel-2            	    8000	    150000 ns/op	    2048 B/op
BenchmarkKernel-2            	    8000	    170000 ns/op	    2048 B/op
BenchmarkKernel-2            	    8000	    900000 ns/op	    2048 B/op
BenchmarkCardInField-2       	      10	 120000000 ns/op	         1.35 x-wire
BenchmarkJournalStateChange-2	    1000	    300000 ns/op
BenchmarkRawBoltPutSync-2    	    1000	    250000 ns/op
PASS
`

func TestTable(t *testing.T) {
	res := parse(strings.NewReader(sample))
	if got := median(res[key{"BenchmarkKernel", "ns/op"}]); got != 170000 {
		t.Errorf("median = %v, want 170000", got)
	}
	budgets := []budget{
		{"BenchmarkKernel", "ns/op", 200000, "kernel"},
		{"BenchmarkCardInField", "x-wire", 1.2, "card in field"},
		{"BenchmarkJournalStateChange/BenchmarkRawBoltPutSync", "ns/op", 1.3, "journal"},
		{"BenchmarkMissing", "ns/op", 1, "absent"},
	}
	var out bytes.Buffer
	over := printTable(&out, res, budgets)
	if over != 1 {
		t.Errorf("over = %d, want 1 (card in field)\n%s", over, out.String())
	}
	for _, want := range []string{"170µs", "1.35 x-wire", "1.20×", "not run"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestParseMax(t *testing.T) {
	if v, _ := parseMax("200us"); v != 200000 {
		t.Errorf("200us = %v", v)
	}
	if v, _ := parseMax("1.2"); v != 1.2 {
		t.Errorf("1.2 = %v", v)
	}
}
