package escpossim

import (
	"fmt"

	"tpe/drivers/escpos"
)

// skipped counts a command the printer does not draw: unknown (not in the
// command table: skipped as two bytes, its parameters possibly printing
// as text on a real printer too) or known and not rendered (skipped whole
// by its length). Each kind is logged once per printer, with its name, so
// that a stream that prints wrong says which command the emulator lacks;
// Stats.Skipped has the counts.
func (p *Printer) skipped(c []byte, unknown bool) {
	if unknown {
		p.stats.Unknown++
	} else {
		p.stats.Unrendered++
	}
	name := cmdName(c)
	if p.stats.Skipped == nil {
		p.stats.Skipped = map[string]int{}
	}
	if p.stats.Skipped[name] == 0 {
		msg := "command not rendered"
		if unknown {
			msg = "unknown command"
		}
		p.log.Info("escpossim: "+msg, "command", name, "len", len(c))
	}
	p.stats.Skipped[name]++
}

// cmdName names a command by its prefix and function byte, as the Epson
// reference does.
func cmdName(c []byte) string {
	prefix := map[byte]string{escpos.ESC: "ESC", escpos.GS: "GS", escpos.FS: "FS", escpos.DLE: "DLE"}[c[0]]
	if prefix == "" || len(c) < 2 {
		return fmt.Sprintf("%02X", c[0])
	}
	name := prefix + " " + byteName(c[1])
	if c[1] == '(' && len(c) > 2 {
		name += " " + byteName(c[2])
	}
	return name
}

func byteName(b byte) string {
	switch {
	case b == ' ':
		return "SP"
	case b > ' ' && b < 0x7f:
		return string(rune(b))
	}
	return fmt.Sprintf("%02X", b)
}
