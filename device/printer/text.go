package printer

import (
	"strings"
	"unicode/utf8"
)

// PlainText renders r as monospaced text of cols columns: for the API, e-mail
// receipts and tests. Double width halves the columns a line may use.
func (r Receipt) PlainText(cols int) string {
	var b strings.Builder
	for _, l := range r.Lines {
		width := cols
		if l.Wide {
			width = cols / 2
		}
		switch {
		case l.Rule:
			b.WriteString(strings.Repeat("-", cols))
		case l.QR != "":
			b.WriteString(pad("[QR] "+l.QR, width, Center))
		case l.Barcode != "":
			b.WriteString(pad("["+l.Barcode+"]", width, Center))
		case l.Right != "":
			gap := width - utf8.RuneCountInString(l.Text) - utf8.RuneCountInString(l.Right)
			if gap < 1 {
				b.WriteString(l.Text + "\n")
				gap = width - utf8.RuneCountInString(l.Right)
				b.WriteString(strings.Repeat(" ", max(gap, 0)) + l.Right)
				break
			}
			b.WriteString(l.Text + strings.Repeat(" ", gap) + l.Right)
		case l.Wide && l.Align != Left:
			// A double-width line takes twice its characters' room: centre
			// or right-align it within half the columns, then double the
			// indent so it sits where the printer puts it.
			p := pad(l.Text, width, l.Align)
			indent := len(p) - len(strings.TrimLeft(p, " "))
			b.WriteString(strings.Repeat(" ", indent) + p)
		default:
			b.WriteString(pad(l.Text, width, l.Align))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func pad(s string, width int, a Align) string {
	n := utf8.RuneCountInString(s)
	if n >= width {
		return s
	}
	switch a {
	case Center:
		return strings.Repeat(" ", (width-n)/2) + s
	case Right:
		return strings.Repeat(" ", width-n) + s
	}
	return s
}
