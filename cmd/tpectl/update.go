package main

import (
	"context"
	"io"
)

func runUpdate(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("update", 11) }
