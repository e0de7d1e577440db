package main

import (
	"context"
	"io"
)

func runLogs(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("logs", 11) }
