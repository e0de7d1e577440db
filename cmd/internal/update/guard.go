package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"tpe/config"
	"tpe/offline"
)

// ConfigPath is the terminal's config file relative to the root.
const ConfigPath = "etc/tpe/tpe.toml"

// Rooted maps an absolute path of the terminal's file system under root.
func Rooted(root, p string) string {
	if p == "" {
		return ""
	}
	return filepath.Join(root, filepath.FromSlash(p))
}

// LenientConfig reads the root's tpe.toml over the defaults without
// rejecting unknown keys or validating: after a bundle migrated the config
// for a newer version, this tpectl must still find the journal and the
// local API in it.
func LenientConfig(root string) (config.Config, error) {
	c := config.Defaults()
	b, err := os.ReadFile(Rooted(root, ConfigPath))
	if err != nil {
		return c, err
	}
	if _, err := toml.Decode(string(b), &c); err != nil {
		return c, fmt.Errorf("%s: %w", ConfigPath, err)
	}
	return c, nil
}

// JournalGuard is the default Guard: it reads the offline journal named
// by the root's tpe.toml read-only. No config or no journal means nothing
// is at risk (an unprovisioned or brand-new terminal). When the running
// terminal holds the journal, it asks the terminal's local API.
func JournalGuard(root string, allowQueued bool) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		cfgPath := Rooted(root, ConfigPath)
		if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		c, err := LenientConfig(root)
		if err != nil {
			return fmt.Errorf("%w: %v; fix the config (tpectl config check) first", ErrRiskUnknown, err)
		}
		jpath := Rooted(root, filepath.Join(c.DataDir, offline.FileName))
		if _, err := os.Stat(jpath); errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		key := c.Offline.KeyFile
		if key == "" {
			key = filepath.Join(c.DataDir, offline.KeyName)
		}
		st, err := offline.Open(jpath, &offline.Opts{KeyFile: Rooted(root, key), ReadOnly: true, LockTimeout: 500 * time.Millisecond})
		if errors.Is(err, offline.ErrLocked) {
			base, hc, err := LocalAPI(root, c)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrRiskUnknown, err)
			}
			return HealthGuardClient(hc, base, c.API.Token, allowQueued)(ctx)
		}
		if err != nil {
			return fmt.Errorf("%w: %v; run tpectl diag", ErrRiskUnknown, err)
		}
		defer st.Close()
		s, err := st.Stats(ctx)
		if err != nil {
			return fmt.Errorf("%w: %v; run tpectl diag", ErrRiskUnknown, err)
		}
		return judge(s.InFlight, s.Queued, allowQueued)
	}
}

func judge(inFlight, queued int, allowQueued bool) error {
	if inFlight > 0 {
		return fmt.Errorf("%w (%d in flight)", ErrInFlight, inFlight)
	}
	if queued > 0 && !allowQueued {
		return fmt.Errorf("%w (%d waiting; --allow-queued overrides when the new version keeps the journal format)", ErrQueued, queued)
	}
	return nil
}

// HealthGuard asks a running terminal's local API (base is
// http://host:port): GET /v1/health for queue_length, and GET /v1/payments
// for card payments pending or processing (in flight). It refuses when it
// cannot tell.
func HealthGuard(base, token string, allowQueued bool) func(ctx context.Context) error {
	return HealthGuardClient(http.DefaultClient, base, token, allowQueued)
}

// HealthGuardClient is HealthGuard through hc (LocalAPI's, for HTTPS).
func HealthGuardClient(hc *http.Client, base, token string, allowQueued bool) func(ctx context.Context) error {
	base = strings.TrimRight(base, "/")
	get := func(ctx context.Context, path string, v any) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrRiskUnknown, err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("%w: the terminal holds its journal but its API does not answer (%v); stop it with `systemctl stop tpe` when no sale is on screen, then apply again", ErrRiskUnknown, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(v) != nil {
			return fmt.Errorf("%w: the terminal's API answered %s with HTTP %d; stop it with `systemctl stop tpe`, then apply again", ErrRiskUnknown, path, resp.StatusCode)
		}
		return nil
	}
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var h struct {
			QueueLength *int `json:"queue_length"`
		}
		if err := get(ctx, "/v1/health", &h); err != nil {
			return err
		}
		if h.QueueLength == nil {
			return fmt.Errorf("%w: the terminal's health report has no queue_length; stop it with `systemctl stop tpe`, then apply again", ErrRiskUnknown)
		}
		inFlight := 0
		for _, q := range []string{"status=processing&limit=50", "status=pending&method=card&limit=50"} {
			var l struct {
				Payments []json.RawMessage `json:"payments"`
			}
			if err := get(ctx, "/v1/payments?"+q, &l); err != nil {
				return err
			}
			inFlight += len(l.Payments)
		}
		return judge(inFlight, *h.QueueLength, allowQueued)
	}
}

// HTTPHealth is the first-start probe: GET url must answer 200 with the
// expected version.
func HTTPHealth(url, token string) func(ctx context.Context, version string) error {
	return HTTPHealthClient(http.DefaultClient, url, token)
}

// HTTPHealthClient is HTTPHealth through hc (LocalAPI's, for HTTPS).
func HTTPHealthClient(hc *http.Client, url, token string) func(ctx context.Context, version string) error {
	return func(ctx context.Context, version string) error {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(rctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("the terminal does not answer on %s", url)
		}
		defer resp.Body.Close()
		var h struct {
			Status  string `json:"status"`
			Version string `json:"version"`
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("health answered HTTP %d", resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			return fmt.Errorf("health answer is not JSON: %v", err)
		}
		if h.Version != "" && h.Version != version && "v"+h.Version != version && h.Version != "v"+version {
			return fmt.Errorf("the running terminal reports version %q, not %q (old process still running?)", h.Version, version)
		}
		return nil
	}
}
