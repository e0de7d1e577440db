package main

import (
	"context"
	"io"
)

func runDisplay(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("display", 6) }
