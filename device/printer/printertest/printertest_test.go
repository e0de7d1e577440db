package printertest

import "testing"

func TestFakeConformance(t *testing.T) {
	f := NewFake()
	Conformance(t, f, f)
	if n := len(f.Printed()); n != 2 {
		t.Fatalf("printed %d receipts, want 2 (the ready one and the one after reloading)", n)
	}
}
