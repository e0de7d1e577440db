package diag

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is a check's outcome.
type Status string

const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Result is one line of the report.
type Result struct {
	Check  string `json:"check"`
	Status Status `json:"status"`
	Detail string `json:"detail,omitempty"`
	Fix    string `json:"fix,omitempty"`
	Millis int64  `json:"ms"`
}

// Report is every result, in order.
type Report struct {
	Results []Result `json:"results"`
	OK      bool     `json:"ok"` // no failure
}

// Suite lists what to check; nil parts are not configured and are skipped.
type Suite struct {
	NFC     *NFC
	Printer *Printer
	Display *Display
	Scanner *Scanner
	Clock   *Clock
	Disk    *Disk
	Journal *Journal
	Gateway *Gateway
}

// Run runs every check in order. ctx bounds the whole run.
func Run(ctx context.Context, s Suite) Report {
	var rep Report
	add := func(rs ...Result) { rep.Results = append(rep.Results, rs...) }
	skip := func(name, why string) { add(Result{Check: name, Status: Skip, Detail: why}) }
	if s.NFC != nil {
		add(s.NFC.run(ctx)...)
	} else {
		skip("nfc", "no reader configured")
	}
	if s.Printer != nil {
		add(s.Printer.run(ctx)...)
	} else {
		skip("printer", "hardware.printer.driver = none")
	}
	if s.Display != nil {
		add(s.Display.run(ctx)...)
	} else {
		skip("display", "hardware.display.driver = none")
	}
	if s.Scanner != nil {
		add(s.Scanner.run(ctx)...)
	} else {
		skip("scanner", "hardware.scanner.driver = none")
	}
	if s.Disk != nil {
		add(s.Disk.run())
	}
	if s.Journal != nil {
		add(s.Journal.run(ctx)...)
	}
	if s.Gateway != nil {
		add(s.Gateway.run(ctx)...)
	} else {
		skip("gateway", "gateway.url is empty: offline only")
	}
	// After the gateway: its Date header is the clock's reference.
	if s.Clock != nil {
		add(s.Clock.run(ctx))
	}
	rep.OK = true
	for _, r := range rep.Results {
		if r.Status == Fail {
			rep.OK = false
		}
	}
	return rep
}

// timed runs f and fills Millis.
func timed(name string, f func() Result) Result {
	start := time.Now()
	r := f()
	r.Check = name
	r.Millis = time.Since(start).Milliseconds()
	return r
}

func pass(format string, a ...any) Result {
	return Result{Status: Pass, Detail: fmt.Sprintf(format, a...)}
}

func fail(err error, fix string) Result {
	return Result{Status: Fail, Detail: oneLine(err.Error()), Fix: fix}
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", "; ")
	if len(s) > 240 {
		s = s[:237] + "..."
	}
	return s
}

// WriteTable prints the report as an aligned table with the fixes below
// each failing line.
func (r Report) WriteTable(w io.Writer) {
	width := 5
	for _, x := range r.Results {
		width = max(width, len(x.Check))
	}
	fmt.Fprintf(w, "%-*s  %-4s  %s\n", width, "CHECK", "", "DETAIL")
	for _, x := range r.Results {
		fmt.Fprintf(w, "%-*s  %-4s  %s\n", width, x.Check, strings.ToUpper(string(x.Status)), x.Detail)
		if x.Fix != "" && x.Status != Pass {
			fmt.Fprintf(w, "%-*s  %-4s  → fix: %s\n", width, "", "", x.Fix)
		}
	}
	n := map[Status]int{}
	for _, x := range r.Results {
		n[x.Status]++
	}
	verdict := "TERMINAL OK"
	if !r.OK {
		verdict = "TERMINAL NOT READY"
	}
	fmt.Fprintf(w, "\n%s: %d pass, %d warn, %d fail, %d skipped\n", verdict, n[Pass], n[Warn], n[Fail], n[Skip])
}

// WriteJSON prints the report as JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
