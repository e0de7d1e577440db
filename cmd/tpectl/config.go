package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"tpe/cmd/internal/terminal"
	"tpe/config"
)

// runConfig checks a tpe.toml and prints every problem with its fix.
// `config --help` is `config check --help`: it is the only subcommand.
func runConfig(_ context.Context, args []string, stdout io.Writer) error {
	if helpFirst(args) {
		args = []string{"check", "--help"}
	}
	if len(args) == 0 || args[0] != "check" {
		return usagef("want `config check FILE`")
	}
	fs := newTechFlags("config check", stdout)
	fs.about("config check FILE", `
Loads FILE exactly as tpe does at start (api.token, offline.key_file and
the wallet table alipayplus.wallet_table names included) and prints every
problem with its fix, or the terminal, currency and language it configures
and the wallets its table recognises. Exits 1 on a problem.
Every key is described in config/tpe.sample.toml, the wallet table in
config/wallets.sample.toml.`,
		"tpectl config check /etc/tpe/tpe.toml",
		"tpectl config check config/tpe.sample.toml")
	pos, err := fs.parse(args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("config check takes one file")
	}
	c, err := config.Load(pos[0])
	if err != nil {
		return err
	}
	table, err := terminal.WalletTable(c)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (terminal %s, %s, %s)\n", pos[0], c.Terminal.ID, c.Terminal.Currency, c.Terminal.Language)
	var names []string
	for _, e := range table.Entries() {
		names = append(names, fmt.Sprintf("%s %s", e.Name, strings.Join(e.Prefixes, ",")))
	}
	fmt.Fprintf(stdout, "wallet table %s: %s\n", table.Source(), strings.Join(names, "; "))
	return nil
}
