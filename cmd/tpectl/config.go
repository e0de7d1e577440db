package main

import (
	"context"
	"io"
)

func runConfig(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("config", 2) }
