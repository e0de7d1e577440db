package main

import (
	"context"
	"io"
)

func runFlash(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("flash", 11) }
