package main

import (
	"context"
	"io"
)

func runBundle(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("bundle", 11) }
