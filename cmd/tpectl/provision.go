package main

import (
	"context"
	"io"
)

func runProvision(_ context.Context, _ []string, _ io.Writer) error {
	return errNotBuilt("provision", 11)
}
