package main

import (
	"context"
	"io"
)

func runAuth(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("auth", 7) }
