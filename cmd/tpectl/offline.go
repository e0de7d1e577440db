package main

import (
	"context"
	"io"
)

func runOffline(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("offline", 8) }
