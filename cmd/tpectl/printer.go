package main

import (
	"context"
	"io"
)

func runPrinter(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("printer", 5) }

func simPrinter(_ context.Context, _ []string, _ io.Writer) error {
	return errNotBuilt("sim printer", 5)
}
