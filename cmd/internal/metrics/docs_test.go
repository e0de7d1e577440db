package metrics

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tpe/cmd/internal/metrics/promcheck"
)

func readOperations(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// yamlBlock is the first ```yaml block of doc that contains marker.
func yamlBlock(t *testing.T, doc, marker string) string {
	t.Helper()
	for _, part := range strings.Split(doc, "```yaml\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("docs/operations.md has no yaml block with %q", marker)
	return ""
}

// TestOperationsRules: the example alerts of docs/operations.md are valid
// Prometheus rules (promtool check rules, when installed), and every metric
// they name is one the terminal exposes.
func TestOperationsRules(t *testing.T) {
	doc := readOperations(t)
	rules := yamlBlock(t, doc, "groups:")
	for _, alert := range []string{"TPEOfflineQueueAgeing", "TPEDeviceDown", "TPEMailOutboxStuck", "TPEMailRefused"} {
		if !strings.Contains(rules, "alert: "+alert) {
			t.Errorf("the example rules lack %s", alert)
		}
	}
	if !strings.Contains(rules, "tpe_offline_queue_oldest_age_seconds > tpe_offline_max_age_seconds / 2") {
		t.Error("the queue alert does not compare the oldest age with half of max_age")
	}
	path := t.TempDir() + "/rules.yml"
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	promcheck.Promtool(t, nil, "check", "rules", path)

	exposed := exposedNames(t)
	for _, name := range regexp.MustCompile(`\btpe_[a-z_]+`).FindAllString(rules, -1) {
		if !slices.Contains(exposed, name) {
			t.Errorf("the rules name %s, which the terminal does not expose", name)
		}
	}
}

// TestOperationsListsEveryMetric: docs/operations.md's table names every
// tpe_ metric, and nothing else.
func TestOperationsListsEveryMetric(t *testing.T) {
	doc := readOperations(t)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(tpe_[a-z_]+)` \\|").FindAllStringSubmatch(doc, -1) {
		documented = append(documented, m[1])
	}
	exposed := exposedNames(t)
	slices.Sort(documented)
	if !slices.Equal(documented, exposed) {
		t.Errorf("documented %v\nexposed    %v", documented, exposed)
	}
}

// exposedNames are the tpe_ families of a registry that has seen every
// kind of event, with a gateway, a device and a mail outbox.
func exposedNames(t *testing.T) []string {
	m := New(Opts{Version: "dev", Snapshot: func(context.Context) Snapshot {
		return Snapshot{Gateway: true, MaxAge: time.Hour, Devices: map[string]bool{"nfc": true}, Outbox: &Outbox{}}
	}})
	m.payments.WithLabelValues("card", "approved")
	m.authLat.WithLabelValues("card")
	m.forwards.WithLabelValues("forwarded")
	f, _ := scrape(t, m)
	var out []string
	for name := range f {
		if strings.HasPrefix(name, "tpe_") {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
