package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// budget is one line of budgets.txt.
type budget struct {
	row    string // benchmark name, or A/B for a ratio of two benchmarks' ns/op
	metric string
	max    float64
	what   string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable BUDGETS < bench-output")
		os.Exit(2)
	}
	budgets, err := readBudgets(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	results := parse(os.Stdin)
	over := printTable(os.Stdout, results, budgets)
	if over > 0 {
		fmt.Fprintf(os.Stderr, "benchtable: %d row(s) over budget\n", over)
		os.Exit(1)
	}
}

// key is one benchmark metric.
type key struct{ name, metric string }

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parse collects every value of every metric of every benchmark line.
func parse(r io.Reader) map[key][]float64 {
	out := map[key][]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			k := key{m[1], f[i+1]}
			out[k] = append(out[k], v)
		}
	}
	return out
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func readBudgets(path string) ([]budget, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []budget
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "|", 4)
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want `row | metric | max | what`", path, i+1)
		}
		max, err := parseMax(strings.TrimSpace(f[2]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, i+1, err)
		}
		out = append(out, budget{strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), max, strings.TrimSpace(f[3])})
	}
	return out, nil
}

// parseMax reads a budget: a duration ("200us", "10s") becomes ns, anything
// else a plain number.
func parseMax(s string) (float64, error) {
	if d, err := time.ParseDuration(s); err == nil {
		return float64(d.Nanoseconds()), nil
	}
	return strconv.ParseFloat(s, 64)
}

func human(v float64, metric string) string {
	if metric == "ns/op" {
		return time.Duration(v).Round(time.Duration(max(1, v/1000))).String()
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + metric
}

func printTable(w io.Writer, res map[key][]float64, budgets []budget) (over int) {
	fmt.Fprintf(w, "\n%-58s %14s %14s %s\n", "benchmark (median)", "value", "budget", "ok?")
	fmt.Fprintln(w, strings.Repeat("-", 96))
	seen := map[key]bool{}
	for _, b := range budgets {
		var v float64
		var ok bool
		name := b.row
		if a, c, isRatio := strings.Cut(b.row, "/"); isRatio {
			va, oka := res[key{a, b.metric}]
			vc, okc := res[key{c, b.metric}]
			if ok = oka && okc && median(vc) > 0; ok {
				v = median(va) / median(vc)
			}
			seen[key{a, b.metric}], seen[key{c, b.metric}] = true, true
			name = b.row + " (ratio)"
		} else {
			var vals []float64
			vals, ok = res[key{b.row, b.metric}]
			if ok {
				v = median(vals)
			}
			seen[key{b.row, b.metric}] = true
		}
		shown := human(v, b.metric)
		if strings.Contains(b.row, "/") {
			shown = strconv.FormatFloat(v, 'f', 2, 64) + "×"
		}
		verdict := "yes"
		switch {
		case !ok:
			shown, verdict = "not run", "—"
		case v > b.max:
			verdict = "NO"
			over++
		}
		budgetShown := "≤ " + human(b.max, b.metric)
		if strings.Contains(b.row, "/") {
			budgetShown = "≤ " + strconv.FormatFloat(b.max, 'f', 2, 64) + "×"
		}
		fmt.Fprintf(w, "%-58s %14s %14s %s   %s\n", name, shown, budgetShown, verdict, b.what)
	}
	var rest []key
	for k := range res {
		if !seen[k] && (k.metric == "ns/op" || !strings.HasSuffix(k.metric, "/op")) {
			rest = append(rest, k)
		}
	}
	sort.Slice(rest, func(i, j int) bool {
		if rest[i].name != rest[j].name {
			return rest[i].name < rest[j].name
		}
		return rest[i].metric < rest[j].metric
	})
	for _, k := range rest {
		fmt.Fprintf(w, "%-58s %14s %14s %s\n", k.name+" ["+k.metric+"]", human(median(res[k]), k.metric), "—", "—")
	}
	return over
}
