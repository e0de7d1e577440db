package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"tpe/config"
)

// runConfig checks a tpe.toml and prints every problem with its fix.
func runConfig(_ context.Context, args []string, stdout io.Writer) error {
	const help = "usage: tpectl config check FILE\n\nChecks a tpe.toml exactly as tpe does at start (api.token included) and prints every problem with its fix."
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, help)
		return nil
	}
	if len(args) == 0 || args[0] != "check" {
		return usagef("want `config check FILE`")
	}
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, help)
			return nil
		}
		return usagef("%v", err)
	}
	if fs.NArg() != 1 {
		return usagef("config check takes one file")
	}
	c, err := config.Load(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (terminal %s, %s, %s)\n", fs.Arg(0), c.Terminal.ID, c.Terminal.Currency, c.Terminal.Language)
	return nil
}
