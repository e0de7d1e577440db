package pn532sim_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport/ptysim"
)

// libnfcLink runs the emulator on a PTY symlinked in a temp dir and returns
// the environment that points libnfc's pn532_uart driver at it.
func libnfcLink(t *testing.T, tool string) (*pn532sim.Chip, []string, string) {
	t.Helper()
	path, err := exec.LookPath(tool)
	if err != nil {
		t.Skipf("%s not installed (apt-get install libnfc-bin libnfc-examples)", tool)
	}
	p, err := ptysim.NewPTY()
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "ttyPN532")
	if err := p.Link(link); err != nil {
		t.Fatal(err)
	}
	chip := pn532sim.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- chip.ServeHSU(ctx, p.Master) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeHSU: %v", err)
		}
		p.Close()
	})
	env := append(os.Environ(), "LIBNFC_DEVICE=pn532_uart:"+link, "LIBNFC_AUTO_SCAN=false", "LIBNFC_LOG_LEVEL=0")
	return chip, env, path
}

func TestLibnfcNfcList(t *testing.T) {
	chip, env, tool := libnfcLink(t, "nfc-list")
	run := func(args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, tool, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nfc-list %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("-t", "1")
	if strings.Contains(out, "target(s) found") && !strings.Contains(out, "0 ISO14443A") {
		t.Fatalf("empty field, got:\n%s", out)
	}
	chip.Place(pn532sim.WithTarget(echo, visa))
	for _, args := range [][]string{{"-t", "1"}, nil} {
		out = run(args...)
		for _, want := range []string{
			"user defined device opened",
			"1 ISO14443A passive target(s) found",
			"ATQA (SENS_RES): 00  04",
			"UID (NFCID3): 08  34  b9  83",
			"SAK (SEL_RES): 20",
			"ATS: 78  80  70  02",
		} {
			if !strings.Contains(out, want) {
				t.Fatalf("nfc-list %v: missing %q in:\n%s", args, want, out)
			}
		}
	}
}

func TestLibnfcNfcPoll(t *testing.T) {
	chip, env, tool := libnfcLink(t, "nfc-poll")
	chip.Place(pn532sim.WithTarget(echo, visa))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool)
	cmd.Env = env
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(out.String(), "Waiting for card removing") {
		if ctx.Err() != nil {
			t.Fatalf("nfc-poll never found the card:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// nfc-poll checks presence (InCommunicateThru R(NAK)) until the card goes.
	chip.Remove()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("nfc-poll: %v\n%s", err, out.String())
	}
	if s := out.String(); !strings.Contains(s, "UID (NFCID3): 08  34  b9  83") || !strings.Contains(s, "done") {
		t.Fatalf("nfc-poll output:\n%s", s)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
