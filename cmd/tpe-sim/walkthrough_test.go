package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The simulator walkthrough of docs/api.md is run here step by step against
// the real tpe-sim process, so the docs cannot drift from what it does.

const walkthroughDoc = "../../docs/api.md"

// wtStep is one request of a walkthrough block and the answer it expects.
type wtStep struct {
	line   int    // in docs/api.md
	method string // GET, POST or FORM (a web form posted to a URL)
	target string // a /v1 path, or $LINK…
	body   string
	status int
	fields map[string]string // "*": present and not empty; "-": absent or empty; "a,b": either
}

// wtRow is one row of the card outcome table.
type wtRow struct {
	line                     int
	card, body               string
	offline                  bool // network off
	status, state, errorCode string
}

// parseWalkthrough reads the walkthrough blocks and the outcome table.
func parseWalkthrough(t *testing.T, doc string) (blocks [][]wtStep, rows []wtRow) {
	t.Helper()
	var (
		inBlock bool
		block   []wtStep
		inTable bool
	)
	sc := bufio.NewScanner(strings.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "```walkthrough":
			inBlock, block = true, nil
		case inBlock && line == "```":
			inBlock = false
			blocks = append(blocks, block)
		case inBlock && (line == "" || strings.HasPrefix(line, "#")):
		case inBlock && strings.HasPrefix(line, "→"):
			if len(block) == 0 || block[len(block)-1].status != 0 {
				t.Fatalf("docs/api.md:%d: an answer without its request", n)
			}
			s := &block[len(block)-1]
			f := strings.Fields(strings.TrimSpace(strings.TrimPrefix(line, "→")))
			code, err := strconv.Atoi(f[0])
			if err != nil {
				t.Fatalf("docs/api.md:%d: answer %q does not start with an HTTP status", n, line)
			}
			s.status, s.fields = code, map[string]string{}
			for _, kv := range f[1:] {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("docs/api.md:%d: %q is not field=value", n, kv)
				}
				s.fields[k] = v
			}
		case inBlock:
			method, rest, _ := strings.Cut(line, " ")
			target, body, _ := strings.Cut(rest, " ")
			if method != "GET" && method != "POST" && method != "FORM" {
				t.Fatalf("docs/api.md:%d: %q is not a request line", n, line)
			}
			if len(block) > 0 && block[len(block)-1].status == 0 {
				t.Fatalf("docs/api.md:%d: the request before has no answer line", n)
			}
			block = append(block, wtStep{line: n, method: method, target: target, body: strings.TrimSpace(body)})
		case strings.HasPrefix(line, "| card | payment body |"):
			inTable = true
		case inTable && strings.HasPrefix(line, "|---"):
		case inTable && strings.HasPrefix(line, "|"):
			c := strings.Split(strings.Trim(line, "|"), "|")
			if len(c) != 7 {
				t.Fatalf("docs/api.md:%d: %d columns, want 7", n, len(c))
			}
			for i := range c {
				// "`a` or `b`": either (a step the terminal may take at once).
				c[i] = strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(c[i]), "`", ""), " or ", ",")
			}
			if c[2] != "on" && c[2] != "off" {
				t.Fatalf("docs/api.md:%d: network %q, want on or off", n, c[2])
			}
			if c[5] == "—" {
				c[5] = ""
			}
			rows = append(rows, wtRow{line: n, card: c[0], body: c[1], offline: c[2] == "off", status: c[3], state: c[4], errorCode: c[5]})
		default:
			inTable = false
		}
	}
	if inBlock {
		t.Fatal("docs/api.md: a walkthrough block is not closed")
	}
	for _, b := range blocks {
		if len(b) == 0 || b[len(b)-1].status == 0 {
			t.Fatal("docs/api.md: a walkthrough block ends without an answer")
		}
	}
	return blocks, rows
}

func TestDocsWalkthrough(t *testing.T) {
	doc, err := os.ReadFile(walkthroughDoc)
	if err != nil {
		t.Fatal(err)
	}
	blocks, rows := parseWalkthrough(t, string(doc))
	if len(blocks) < 4 || len(rows) < 10 {
		t.Fatalf("docs/api.md: %d walkthrough blocks and %d table rows: the walkthrough is gone?", len(blocks), len(rows))
	}
	p := startSim(t, t.TempDir())
	w := &walker{p: p}
	for i, b := range blocks {
		t.Run(fmt.Sprintf("block%d_line%d", i+1, b[0].line), func(t *testing.T) {
			for _, s := range b {
				w.expect(t, s)
			}
		})
	}
	online := true
	for _, r := range rows {
		t.Run(fmt.Sprintf("line%d_%s", r.line, r.card), func(t *testing.T) {
			if online == r.offline {
				w.expect(t, wtStep{line: r.line, method: "POST", target: "/v1/sim/network", body: fmt.Sprintf(`{"online":%v}`, !r.offline), status: 200,
					fields: map[string]string{"online": strconv.FormatBool(!r.offline)}})
				online = !r.offline
				if !online {
					w.waitOffline(t)
				}
			}
			w.expect(t, wtStep{line: r.line, method: "POST", target: "/v1/payments", body: r.body, status: 201, fields: map[string]string{"status": "pending"}})
			w.expect(t, wtStep{line: r.line, method: "POST", target: "/v1/sim/card", body: fmt.Sprintf(`{"card":%q}`, r.card), status: 204})
			want := map[string]string{"status": r.status, "state": r.state, "error_code": r.errorCode}
			if r.errorCode == "" {
				want["error_code"] = "-"
			}
			w.expect(t, wtStep{line: r.line, method: "GET", target: "/v1/payments/$ID", status: 200, fields: want})
		})
	}
	if !online {
		w.expect(t, wtStep{method: "POST", target: "/v1/sim/network", body: `{"online":true}`, status: 200})
	}
}

// walker runs steps, remembering the last payment created.
type walker struct {
	p        *simProc
	id, link string
}

var pageState = regexp.MustCompile(`data-state="([a-z]+)"`)

// do sends one request; the answer's fields are flattened to strings.
func (w *walker) do(t *testing.T, s wtStep) (int, map[string]string) {
	t.Helper()
	target := strings.ReplaceAll(s.target, "$LINK", w.link)
	target = strings.ReplaceAll(target, "$ID", w.id)
	body := strings.ReplaceAll(s.body, "$ID", w.id)
	u := target
	if strings.HasPrefix(u, "/") {
		u = w.p.url + u
	}
	var req *http.Request
	switch s.method {
	case "FORM":
		req, _ = http.NewRequest("POST", u, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	default:
		req, _ = http.NewRequest(s.method, u, strings.NewReader(body))
	}
	resp, err := http.DefaultClient.Do(req) // follows the form's redirect, as curl -L
	if err != nil {
		t.Fatalf("docs/api.md:%d: %s %s: %v", s.line, s.method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	got := map[string]string{}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if m := pageState.FindSubmatch(b); m != nil {
			got["page"] = string(m[1])
		}
		return resp.StatusCode, got
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for k, v := range m {
		switch v := v.(type) {
		case nil:
		case string:
			got[k] = v
		case float64:
			got[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			got[k] = strconv.FormatBool(v)
		default:
			j, _ := json.Marshal(v)
			got[k] = string(j)
		}
	}
	return resp.StatusCode, got
}

func matches(status int, got map[string]string, s wtStep) bool {
	if status != s.status {
		return false
	}
	for k, want := range s.fields {
		switch v, ok := got[k]; want {
		case "*":
			if !ok || v == "" {
				return false
			}
		case "-":
			if ok && v != "" {
				return false
			}
		default: // "a,b": either
			if !slices.Contains(strings.Split(want, ","), v) {
				return false
			}
		}
	}
	return true
}

// expect runs s until its answer matches. A GET is repeated (the payment
// moves on its own: a link is looked at every 15 s); a new payment is sent
// again while the terminal answers terminal_busy (the last card is still
// leaving the field). Anything else is sent once.
func (w *walker) expect(t *testing.T, s wtStep) map[string]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, got := w.do(t, s)
		if matches(status, got, s) {
			if s.method == "POST" && s.target == "/v1/payments" {
				w.id, w.link = got["id"], ""
			}
			if got["link_url"] != "" {
				w.link = got["link_url"]
			}
			return got
		}
		// A payment that reached the expected status and shows other
		// fields will not change them: no need to wait for the deadline.
		settled := status == s.status && got["status"] == s.fields["status"] &&
			got["status"] != "pending" && got["status"] != "processing"
		retry := s.method == "GET" && !settled ||
			s.method == "POST" && s.target == "/v1/payments" && status == http.StatusConflict && strings.Contains(got["error"], "terminal_busy")
		if !retry || time.Now().After(deadline) {
			t.Fatalf("docs/api.md:%d: %s %s %s\n got %d %v\nwant %d %v\n%s", s.line, s.method, s.target, s.body, status, got, s.status, s.fields, w.p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitOffline waits for /v1/health to say the gateway is gone.
func (w *walker) waitOffline(t *testing.T) {
	t.Helper()
	w.expect(t, wtStep{method: "GET", target: "/v1/health", status: 200, fields: map[string]string{"online": "false"}})
}
