package main

import (
	"context"
	"io"
)

func runDiag(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("diag", 11) }
