package main

import (
	"context"
	"io"
)

func runEMV(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("emv", 3) }
