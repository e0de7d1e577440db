// Package promcheck checks a Prometheus text exposition in tests, the way
// `promtool check metrics` does: it parses it (expfmt) and lints it with
// promlint (the library behind promtool's check), and also runs promtool
// itself when it is installed (Debian package prometheus, which .ci/run
// installs). A test that names a metric can then read its value.
package promcheck

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Families is a parsed exposition by metric family name.
type Families map[string]*dto.MetricFamily

// Check fails t unless body is a clean text exposition, and returns it
// parsed.
func Check(t testing.TB, body []byte) Families {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("promlint: %v", err)
	}
	for _, pr := range problems {
		t.Errorf("promlint: %s: %s", pr.Metric, pr.Text)
	}
	Promtool(t, body, "check", "metrics")
	return fams
}

// Promtool runs promtool with args and stdin when it is installed, and
// fails t on a non-zero exit; it logs that it was skipped otherwise.
func Promtool(t testing.TB, stdin []byte, args ...string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		t.Logf("promtool not installed (Debian package prometheus): %s not run; parser and promlint checks only", strings.Join(args, " "))
		return
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// Value is the value of the sample of family name whose labels include
// every pair of labels (name, value, name, value…); ok is false when there
// is none. Counters, gauges and untyped samples give their value;
// histograms their sample count.
func (f Families) Value(name string, labels ...string) (float64, bool) {
	fam, ok := f[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range fam.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		case m.Untyped != nil:
			return m.GetUntyped().GetValue(), true
		}
	}
	return 0, false
}
