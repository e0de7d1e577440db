package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"

	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"tpe/cmd/internal/metrics/promcheck"
	"tpe/offline"
)

// TestMain lets the test binary be tpe-sim itself: the tests run the real
// simulator as a separate process, as a cash register or a developer would.
func TestMain(m *testing.M) {
	if os.Getenv("TPE_SIM_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	// The processes inherit the environment: a developer's own
	// TPE_API_TOKEN would make every loopback test need it.
	os.Unsetenv(tokenEnv)
	os.Exit(m.Run())
}

type simProc struct {
	cmd  *exec.Cmd
	url  string
	logs *bytes.Buffer
}

// startSim runs tpe-sim --headless on a free port and waits for "listening
// on"; the process is stopped when tb ends.
func startSim(tb testing.TB, data string, extra ...string) *simProc {
	tb.Helper()
	p := launchSim(tb, data, extra...)
	tb.Cleanup(func() { p.stop(tb) })
	return p
}

// launchSim is startSim without the cleanup: the caller stops the process.
func launchSim(tb testing.TB, data string, extra ...string) *simProc {
	tb.Helper()
	args := append([]string{"--headless", "--listen", "127.0.0.1:0", "--data", data}, extra...)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "TPE_SIM_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &simProc{cmd: cmd, logs: &bytes.Buffer{}}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			p.logs.WriteString(line + "\n")
			if i := strings.Index(line, "listening on http://"); i >= 0 {
				found <- strings.Trim(line[i+len("listening on "):], `"`)
			}
		}
		close(found)
	}()
	select {
	case u, ok := <-found:
		if !ok {
			cmd.Wait()
			tb.Fatalf("tpe-sim exited before listening:\n%s", p.logs)
		}
		p.url = u
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		tb.Fatalf("tpe-sim did not start:\n%s", p.logs)
	}
	return p
}

func (p *simProc) stop(tb testing.TB) {
	if p.cmd.ProcessState != nil || p.cmd.Process.Signal(syscall.Signal(0)) != nil {
		p.reap()
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Errorf("tpe-sim did not exit cleanly on SIGTERM: %v\n%s", err, p.logs)
		}
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		tb.Errorf("tpe-sim ignored SIGTERM")
	}
}

func (p *simProc) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, p.url+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// waitStatus polls a payment until its status is one of want.
func (p *simProc) waitStatus(t *testing.T, id string, want ...string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, m := p.call(t, "GET", "/v1/payments/"+id, "")
		for _, w := range want {
			if m["status"] == w {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("payment %s stuck at %v, want %v\n%s", id, m["status"], want, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestOldKeyMovedOutOfDataDir: a data directory from an older tpe-sim,
// its device key inside, starts with its journal readable and the key moved
// to DIR-keys/device.key.
func TestOldKeyMovedOutOfDataDir(t *testing.T) {
	data := filepath.Join(t.TempDir(), "sim")
	os.MkdirAll(data, 0o700)
	old := filepath.Join(data, offline.KeyName)
	st, err := offline.Open(filepath.Join(data, offline.FileName), &offline.Opts{KeyFile: old, CreateKey: true})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	key0, _ := os.ReadFile(old)
	p := startSim(t, data)
	if status, h := p.call(t, "GET", "/v1/health", ""); status != 200 {
		t.Fatalf("health %d %v", status, h)
	}
	p.stop(t)
	moved := filepath.Join(data+"-keys", offline.KeyName)
	if _, err := os.Stat(old); err == nil {
		t.Error("the key is still in the data directory")
	}
	key1, err := os.ReadFile(moved)
	if err != nil || !bytes.Equal(key0, key1) {
		t.Fatalf("key at %s: %v (same key: %v)", moved, err, bytes.Equal(key0, key1))
	}
	if fi, _ := os.Stat(filepath.Dir(moved)); fi.Mode().Perm() != 0o700 {
		t.Errorf("key directory mode %v, want 0700", fi.Mode().Perm())
	}
	st, err = offline.Open(filepath.Join(data, offline.FileName), &offline.Opts{KeyFile: moved})
	if err != nil {
		t.Fatalf("journal with the moved key: %v", err)
	}
	st.Close()
}

func TestHeadlessSimulatorTakesPayments(t *testing.T) {
	p := startSim(t, t.TempDir())
	if status, h := p.call(t, "GET", "/v1/health", ""); status != 200 || h["online"] != true {
		t.Fatalf("health %d %v", status, h)
	}
	// Online sale: the card goes through the emulated PN532 to the kernel,
	// the embedded gateway authorises it.
	_, pay := p.call(t, "POST", "/v1/payments", `{"amount":1250,"reference":"T-1"}`)
	if status, m := p.call(t, "POST", "/v1/sim/card", `{"card":"visa-credit"}`); status != 204 {
		t.Fatalf("present card: %d %v", status, m)
	}
	got := p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	if got["status"] != "approved" || got["offline"] != false || got["auth_code"] == "" || got["pan_masked"] != "476173******0119" {
		t.Fatalf("online sale: %v", got)
	}
	// Refund part of it, then void another sale, through the embedded gateway.
	if status, m := p.call(t, "POST", "/v1/payments/"+pay["id"].(string)+"/refunds", `{"amount":250}`); status != 201 || m["status"] != "partially_refunded" {
		t.Fatalf("refund: %d %v", status, m)
	}
	_, second := p.call(t, "POST", "/v1/payments", `{"amount":3100}`)
	p.call(t, "POST", "/v1/sim/card", `{"card":"cb-visa"}`)
	if got := p.waitStatus(t, second["id"].(string), "approved", "declined", "failed"); got["status"] != "approved" || got["brand"] != "cb" {
		t.Fatalf("CB sale: %v", got)
	}
	if status, m := p.call(t, "POST", "/v1/payments/"+second["id"].(string)+"/void", ""); status != 200 || m["state"] != "reversed" {
		t.Fatalf("void: %d %v", status, m)
	}
	// Network cut: a small payment is approved offline, then forwarded once
	// the network is back.
	p.call(t, "POST", "/v1/sim/network", `{"online":false}`)
	_, pay = p.call(t, "POST", "/v1/payments", `{"amount":800}`)
	p.call(t, "POST", "/v1/sim/card", `{"card":"mastercard"}`)
	got = p.waitStatus(t, pay["id"].(string), "approved", "declined", "failed")
	if got["status"] != "approved" || got["offline"] != true || got["forwarded"] != false {
		t.Fatalf("offline sale: %v\n%s", got, p.logs)
	}
	if _, h := p.call(t, "GET", "/v1/health", ""); h["queue_length"] != 1.0 {
		t.Errorf("queue while offline: %v", h)
	}
	p.call(t, "POST", "/v1/sim/network", `{"online":true}`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, m := p.call(t, "GET", "/v1/payments/"+pay["id"].(string), "")
		if m["forwarded"] == true {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("offline payment never forwarded: %v\n%s", m, p.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.checkMetrics(t)
	// The virtual printer printed the receipts; the customer display
	// shows something real.
	if _, m := p.call(t, "GET", "/v1/payments/"+pay["id"].(string), ""); m["receipt_printed"] != true {
		t.Errorf("receipt not printed: %v", m)
	}
	for _, png := range []string{"/v1/sim/printer/last.png", "/v1/sim/display.png"} {
		resp, err := http.Get(p.url + png)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("%s: %d, %d bytes", png, resp.StatusCode, len(b))
		}
	}
	if strings.Contains(p.logs.String(), "4761739001010119") {
		t.Error("full PAN in the simulator's logs")
	}
}

func TestHeadlessSimulatorWalletsAndLinks(t *testing.T) {
	p := startSim(t, t.TempDir())
	// Alipay+ MPM: the terminal shows a QR, the customer's wallet pays.
	_, pay := p.call(t, "POST", "/v1/payments", `{"amount":4200,"method":"alipayplus"}`)
	id := pay["id"].(string)
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, m := p.call(t, "GET", "/v1/payments/"+id, "")
		if m["qr"] != nil && m["qr"] != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no QR shown: %v\n%s", m, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, m := p.call(t, "POST", "/v1/sim/wallet", fmt.Sprintf(`{"payment_id":%q,"wallet":"alipay","action":"pay"}`, id)); status != 204 {
		t.Fatalf("wallet pay: %d %v", status, m)
	}
	got := p.waitStatus(t, id, "approved", "declined", "failed", "cancelled", "expired")
	if got["status"] != "approved" || got["wallet"] == "" {
		t.Fatalf("Alipay+ payment: %v", got)
	}
	if status, m := p.call(t, "POST", "/v1/payments/"+id+"/refunds", `{"amount":1000}`); status != 201 || m["status"] != "partially_refunded" {
		t.Errorf("wallet refund: %d %v", status, m)
	}
	// Pay by e-mail: the link goes out through the shop's mail relay.
	status, link := p.call(t, "POST", "/v1/payments", `{"amount":2500,"method":"paylink","email":"client@example.com"}`)
	if status != 201 {
		t.Fatalf("paylink: %d %v", status, link)
	}
	for {
		_, m := p.call(t, "GET", "/v1/sim/outbox", "")
		// The merchant's notifications (the refund above) share the
		// outbox: look for the customer's mail.
		msgs, _ := m["messages"].([]any)
		var text string
		for _, msg := range msgs {
			if s := fmt.Sprint(msg); strings.Contains(s, "client@example.com") {
				text = s
			}
		}
		if text != "" {
			if !strings.Contains(text, "http") {
				t.Errorf("link e-mail: %s", text)
			}
			break
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("no e-mail in the outbox\n%s", p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The built-in settings turn the merchant's notifications on: the
	// wallet refund above is told to the merchant, through the outbox.
	for {
		_, m := p.call(t, "GET", "/v1/sim/outbox", "")
		msgs, _ := m["messages"].([]any)
		found := false
		for _, msg := range msgs {
			if s := fmt.Sprint(msg); strings.Contains(s, "gerant@example.com") && strings.Contains(s, "Remboursement effectué") {
				found = true
			}
		}
		if found {
			break
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			t.Fatalf("no refund notification in the outbox: %v\n%s", msgs, p.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The link was journaled before the e-mail left.
	if _, m := p.call(t, "GET", "/v1/payments/"+link["id"].(string), ""); m["status"] != "pending" || m["link_url"] == "" {
		t.Errorf("link payment once its e-mail is out: %v", m)
	}
}

func TestVersionAndHelp(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--help"}} {
		cmd := exec.Command(os.Args[0], args...)
		cmd.Env = append(os.Environ(), "TPE_SIM_MAIN=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "tpe-sim") {
			t.Errorf("tpe-sim %v: %v %s", args, err, out)
		}
	}
}

// BenchmarkSimStart measures tpe-sim --headless from exec to a 200 on
// /v1/health, with a data dir that already holds the gateway's keys (the
// one-time key generation of a first start is not a start-up cost), and the
// process's resident memory once ready.
func BenchmarkSimStart(b *testing.B) {
	data := b.TempDir()
	first := startSim(b, data)
	first.stop(b)
	var rss float64
	b.ResetTimer()
	for range b.N {
		p := startSim(b, data)
		for {
			if resp, err := http.Get(p.url + "/v1/health"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
		}
		b.StopTimer()
		rss = max(rss, rssMB(p.cmd.Process.Pid))
		p.stop(b)
		b.StartTimer()
	}
	b.ReportMetric(rss, "rss-MB")
}

func rssMB(pid int) float64 {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// checkMetrics reads GET /metrics after TestHeadlessSimulatorTakesPayments'
// sales (two approved online, one offline then forwarded): a clean
// exposition (promlint, promtool when installed) whose counts agree.
func (p *simProc) checkMetrics(t *testing.T) {
	t.Helper()
	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"tpe_payments_total", []string{"method", "card", "outcome", "approved"}, 2},
		{"tpe_payments_total", []string{"method", "card", "outcome", "offline_approved"}, 1},
		{"tpe_authorization_duration_seconds", []string{"method", "card"}, 2},
		{"tpe_forward_results_total", []string{"result", "forwarded"}, 1},
		{"tpe_offline_queue_length", nil, 0},
		{"tpe_gateway_up", nil, 1},
		{"tpe_device_up", []string{"device", "nfc"}, 1},
		{"tpe_device_up", []string{"device", "printer"}, 1},
		{"tpe_journal_writable", nil, 1},
		{"tpe_build_info", nil, 1},
	}
	// The counts follow the payment events a moment after the API shows
	// the payment settled.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(p.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET /metrics: %d %s", resp.StatusCode, body)
		}
		f := promcheck.Check(t, body)
		var wrong []string
		for _, w := range want {
			if got, ok := f.Value(w.name, w.labels...); !ok || got != w.value {
				wrong = append(wrong, fmt.Sprintf("%s%v = %v (present %v), want %v", w.name, w.labels, got, ok, w.value))
			}
		}
		if size, _ := f.Value("tpe_journal_size_bytes"); size <= 0 {
			wrong = append(wrong, "tpe_journal_size_bytes is not positive")
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics:\n%s\n%s", strings.Join(wrong, "\n"), body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
