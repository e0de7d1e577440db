package main

import (
	"context"
	"io"
)

func runNFC(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("nfc", 4) }

func simPN532(_ context.Context, _ []string, _ io.Writer) error { return errNotBuilt("sim pn532", 4) }
