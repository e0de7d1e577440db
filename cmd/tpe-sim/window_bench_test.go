package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSimWindow measures the real simulator window: the cgo build of
// tpe-sim (bin/tpe-sim, `make build`) under Xvfb, from exec to the first
// frame drawn on screen (a screenshot with more than a few colours), and the
// process's resident memory then. It skips where there is no such binary or
// no Xvfb/ImageMagick (`make bench` builds it first).
func BenchmarkSimWindow(b *testing.B) {
	bin, _ := filepath.Abs("../../bin/tpe-sim")
	for _, need := range []string{bin, "/usr/bin/Xvfb", "/usr/bin/import", "/usr/bin/convert"} {
		if _, err := os.Stat(need); err != nil {
			b.Skipf("needs %s", need)
		}
	}
	display := ""
	for n := 80; n < 100 && display == ""; n++ { // a display nobody holds
		if _, err := os.Stat("/tmp/.X" + strconv.Itoa(n) + "-lock"); os.IsNotExist(err) {
			display = ":" + strconv.Itoa(n)
		}
	}
	x := exec.Command("Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp")
	if err := x.Start(); err != nil {
		b.Skip(err)
	}
	defer func() { x.Process.Kill(); x.Wait() }()
	shot := filepath.Join(b.TempDir(), "shot.png")
	colours := func() int {
		cmd := exec.Command("import", "-window", "root", shot)
		cmd.Env = append(os.Environ(), "DISPLAY="+display)
		if cmd.Run() != nil {
			return 0
		}
		out, _ := exec.Command("/usr/bin/convert", shot, "-format", "%k", "info:").Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return n
	}
	for up := time.Now().Add(10 * time.Second); colours() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(up) {
			b.Skip("Xvfb did not start")
		}
	}
	data := b.TempDir()
	var rss float64
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--data", data)
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for colours() < 50 {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				b.Fatal("the window was never drawn")
			}
		}
		b.StopTimer()
		rss = max(rss, rssMB(cmd.Process.Pid))
		cmd.Process.Kill()
		cmd.Wait()
		for colours() > 50 { // the window is gone before the next start
			time.Sleep(20 * time.Millisecond)
		}
		b.StartTimer()
	}
	b.ReportMetric(rss, "rss-MB")
}
