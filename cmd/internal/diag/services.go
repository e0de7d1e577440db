package diag

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"tpe/offline"
)

// Clock checks the system time against a reference.
type Clock struct {
	Now func() time.Time
	// Reference gives the true time (the gateway's Date header); nil only
	// checks the clock is not before NotBefore.
	Reference func(ctx context.Context) (time.Time, error)
	// MaxSkew is the largest accepted difference; default 2 min.
	MaxSkew time.Duration
}

// NotBefore is a date this build cannot precede: a clock behind it was
// reset (no RTC battery, no NTP).
var NotBefore = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

const fixClock = "the date matters for TLS, tokens and EMV: enable NTP (timedatectl set-ntp true) and open UDP 123, or fit an RTC module"

func (c *Clock) run(ctx context.Context) Result {
	return timed("clock", func() Result {
		now := time.Now
		if c.Now != nil {
			now = c.Now
		}
		t := now()
		if t.Before(NotBefore) {
			return fail(fmt.Errorf("system time %s is before %s", t.UTC().Format(time.RFC3339), NotBefore.Format("2006-01-02")), fixClock)
		}
		if c.Reference == nil {
			return Result{Status: Pass, Detail: t.UTC().Format(time.RFC3339) + " (no reference to compare with)"}
		}
		ref, err := c.Reference(ctx)
		if err != nil {
			return Result{Status: Warn, Detail: "no reference time: " + oneLine(err.Error()), Fix: "fix the gateway check below, then run diag again"}
		}
		skew := t.Sub(ref)
		maxSkew := c.MaxSkew
		if maxSkew <= 0 {
			maxSkew = 2 * time.Minute
		}
		if skew > maxSkew || skew < -maxSkew {
			return fail(fmt.Errorf("clock is off by %s from the gateway's", skew.Round(time.Second)), fixClock)
		}
		return pass("%s, within %s of the gateway", t.UTC().Format(time.RFC3339), skew.Abs().Round(time.Second))
	})
}

// Disk checks the free space where the journal lives.
type Disk struct {
	Path string
	// MinFree fails below, WarnFree warns below; default 64 MiB and 512 MiB.
	MinFree, WarnFree uint64
}

func (d *Disk) run() Result {
	return timed("disk space", func() Result {
		minFree, warnFree := d.MinFree, d.WarnFree
		if minFree == 0 {
			minFree = 64 << 20
		}
		if warnFree == 0 {
			warnFree = 512 << 20
		}
		p := d.Path
		for {
			if _, err := os.Stat(p); err == nil || p == "/" || p == "." {
				break
			}
			p = parent(p)
		}
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err != nil {
			return fail(err, "check the SD card is mounted read-write")
		}
		free := st.Bavail * uint64(st.Bsize)
		total := st.Blocks * uint64(st.Bsize)
		detail := fmt.Sprintf("%s free of %s on %s", human(free), human(total), p)
		switch {
		case free < minFree:
			return Result{Status: Fail, Detail: detail, Fix: "the journal cannot grow: remove old files in /var/log and /var/cache/tpe/updates (never /var/lib/tpe), or use a larger SD card"}
		case free < warnFree:
			return Result{Status: Warn, Detail: detail, Fix: "free some space soon: journalctl --vacuum-size=50M; rm /var/cache/tpe/updates/*"}
		}
		return pass("%s", detail)
	})
}

func parent(p string) string {
	i := strings.LastIndexByte(strings.TrimRight(p, "/"), '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

func human(b uint64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", b>>10)
}

// Journal checks the offline journal and its queue.
type Journal struct {
	Path, KeyFile string
	MaxAge        time.Duration // offline.max_age
	Now           func() time.Time
}

func (j *Journal) run(ctx context.Context) []Result {
	var stats *offline.Stats
	res := timed("data store integrity", func() Result {
		if _, err := os.Stat(j.Path); errors.Is(err, fs.ErrNotExist) {
			return pass("no journal yet at %s (new terminal)", j.Path)
		}
		st, err := offline.Open(j.Path, &offline.Opts{KeyFile: j.KeyFile, ReadOnly: true, Check: true, LockTimeout: 500 * time.Millisecond})
		switch fault := offline.Classify(err); {
		case fault == offline.FaultLocked:
			return Result{Status: Skip, Detail: "the running terminal holds the journal (it checks it at every start)", Fix: "to check it here, stop the terminal when no sale is on screen: systemctl stop tpe"}
		case fault != offline.FaultNone:
			// Each fault its own advice: a denied or read-only journal is
			// intact and must not be treated as damaged.
			r := fail(err, fault.Fix())
			r.Detail = oneLine(fault.Code() + ": " + fault.Message() + " (" + err.Error() + ")")
			return r
		case err != nil:
			return fail(err, "check /var/lib/tpe permissions (owner tpe, mode 0700) and the disk")
		}
		defer st.Close()
		s, err := st.Stats(ctx)
		if err != nil {
			return fail(err, "stop the terminal, copy /var/lib/tpe to a USB stick and call support")
		}
		stats = &s
		r := pass("consistent: %d transactions, batch %d, %d in flight", s.Transactions, s.Batch, s.InFlight)
		if s.ForwardDeclined > 0 {
			r = Result{Status: Warn, Detail: fmt.Sprintf("%d offline payments were declined when forwarded", s.ForwardDeclined), Fix: "the merchant must collect them from the customers: see the terminal's history (forward-declined)"}
		}
		return r
	})
	out := []Result{res}
	if stats == nil {
		return append(out, Result{Check: "offline queue age", Status: Skip, Detail: "journal not readable here"})
	}
	return append(out, timed("offline queue age", func() Result {
		if stats.Queued == 0 {
			return pass("nothing waiting to be forwarded")
		}
		now := time.Now
		if j.Now != nil {
			now = j.Now
		}
		age := now().Sub(stats.Oldest)
		detail := fmt.Sprintf("%d offline payments (%d minor units) waiting, oldest %s", stats.Queued, stats.QueuedTotal, age.Round(time.Minute))
		switch {
		case j.MaxAge > 0 && age > j.MaxAge:
			return Result{Status: Fail, Detail: detail, Fix: "offline sales are stopped: connect the terminal to the network and run `tpectl offline forward`"}
		case j.MaxAge > 0 && age > j.MaxAge/2:
			return Result{Status: Warn, Detail: detail, Fix: "check the network: the queue is not being forwarded"}
		}
		return pass("%s", detail)
	}))
}

// Gateway checks the acquirer connection layer by layer.
type Gateway struct {
	URL          string
	TokenURL     string // empty: discovered, then {URL}/oauth/token
	ClientID     string
	ClientSecret string
	CAFile       string
	PinSHA256    string
	Timeout      time.Duration // per step; default 10 s
	// date is the gateway's Date header, for the clock check.
	date time.Time
}

// Date is the gateway's clock as seen by the last run (zero if none).
func (g *Gateway) Date(context.Context) (time.Time, error) {
	if g.date.IsZero() {
		return time.Time{}, errors.New("the gateway did not answer")
	}
	return g.date, nil
}

func (g *Gateway) tlsConfig(host string) (*tls.Config, error) {
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}
	if g.CAFile != "" {
		b, err := os.ReadFile(g.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("%s holds no PEM certificate", g.CAFile)
		}
		c.RootCAs = pool
	}
	return c, nil
}

func (g *Gateway) run(ctx context.Context) []Result {
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	u, err := url.Parse(g.URL)
	if err != nil || u.Host == "" {
		return []Result{{Check: "gateway reachability", Status: Fail, Detail: "bad gateway.url", Fix: "set gateway.url to the acquirer's https URL"}}
	}
	hostport := u.Host
	if u.Port() == "" {
		hostport = net.JoinHostPort(u.Hostname(), map[bool]string{true: "443", false: "80"}[u.Scheme == "https"])
	}
	var out []Result
	ok := true
	out = append(out, timed("gateway reachability", func() Result {
		c, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var d net.Dialer
		conn, err := d.DialContext(c, "tcp", hostport)
		if err != nil {
			ok = false
			var dnsErr *net.DNSError
			if errors.As(err, &dnsErr) {
				return fail(err, "name resolution failed: check the network (cable/Wi-Fi), DHCP and DNS (resolvectl status)")
			}
			return fail(err, "check the network cable or Wi-Fi, and that the shop's firewall lets the terminal out to "+hostport)
		}
		conn.Close()
		return pass("TCP %s answers", hostport)
	}))
	skipRest := func(why string) []Result {
		done := map[string]bool{}
		for _, r := range out {
			done[r.Check] = true
		}
		for _, n := range []string{"gateway TLS", "gateway token", "gateway health"} {
			if !done[n] {
				out = append(out, Result{Check: n, Status: Skip, Detail: why})
			}
		}
		return out
	}
	if !ok {
		return skipRest("gateway not reachable")
	}
	tcfg, err := g.tlsConfig(u.Hostname())
	if err != nil {
		out = append(out, Result{Check: "gateway TLS", Status: Fail, Detail: oneLine(err.Error()), Fix: "fix gateway.ca_file: a PEM file of the acquirer's CA"})
		return skipRest("no TLS configuration")
	}
	if u.Scheme == "https" {
		out = append(out, timed("gateway TLS", func() Result {
			d := tls.Dialer{Config: tcfg, NetDialer: &net.Dialer{Timeout: timeout}}
			c, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			conn, err := d.DialContext(c, "tcp", hostport)
			if err != nil {
				ok = false
				var ue x509.UnknownAuthorityError
				var he x509.HostnameError
				var ce x509.CertificateInvalidError
				switch {
				case errors.As(err, &ce) && ce.Reason == x509.Expired:
					return fail(err, "either the terminal's clock is wrong (see the clock check) or the gateway's certificate expired: call the acquirer")
				case errors.As(err, &ue):
					return fail(err, "the gateway's certificate is not trusted: set gateway.ca_file to the acquirer's CA, or update the system CA bundle")
				case errors.As(err, &he):
					return fail(err, "gateway.url names another host than the certificate: copy the URL exactly from the acquirer's sheet")
				}
				return fail(err, "something between the terminal and the gateway intercepts TLS (captive portal, proxy): use another network")
			}
			defer conn.Close()
			st := conn.(*tls.Conn).ConnectionState()
			leaf := st.PeerCertificates[0]
			if g.PinSHA256 != "" {
				sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
				if !strings.EqualFold(hex.EncodeToString(sum[:]), g.PinSHA256) {
					ok = false
					return fail(errors.New("the gateway's key does not match gateway.pin_sha256"), "if the acquirer announced a key change, update gateway.pin_sha256; otherwise do not take payments on this network")
				}
			}
			left := time.Until(leaf.NotAfter)
			if left < 14*24*time.Hour {
				return Result{Status: Warn, Detail: fmt.Sprintf("certificate expires in %s", left.Round(time.Hour)), Fix: "tell the acquirer their certificate expires soon"}
			}
			name := leaf.Subject.CommonName
			if name == "" && len(leaf.DNSNames) > 0 {
				name = leaf.DNSNames[0]
			}
			return pass("%s, certificate for %q valid until %s", tls.VersionName(st.Version), name, leaf.NotAfter.Format("2006-01-02"))
		}))
	}
	if !ok {
		return skipRest("TLS failed")
	}
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{TLSClientConfig: tcfg}}
	var tok *oauth2.Token
	if g.ClientID == "" {
		out = append(out, Result{Check: "gateway token", Status: Skip, Detail: "no OAuth2 client configured (basic auth)"})
	} else {
		out = append(out, timed("gateway token", func() Result {
			c, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, hc), timeout)
			defer cancel()
			tokenURL := g.TokenURL
			if tokenURL == "" {
				tokenURL = discoverTokenURL(c, hc, g.URL)
			}
			cc := clientcredentials.Config{ClientID: g.ClientID, ClientSecret: g.ClientSecret, TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInHeader}
			t, err := cc.Token(c)
			if err != nil {
				var re *oauth2.RetrieveError
				if errors.As(err, &re) {
					// Only the OAuth error code: the body may echo secrets.
					err = fmt.Errorf("token endpoint answered HTTP %d %s", re.Response.StatusCode, re.ErrorCode)
				}
				return fail(err, "check gateway.client_id and client_secret against the acquirer's provisioning sheet (re-run tpectl provision --force with the right ones)")
			}
			tok = t
			d := "access token obtained"
			if !t.Expiry.IsZero() {
				d += fmt.Sprintf(", valid %s", time.Until(t.Expiry).Round(time.Second))
			}
			return pass("%s", d)
		}))
	}
	out = append(out, timed("gateway health", func() Result {
		c, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(c, http.MethodGet, strings.TrimRight(g.URL, "/")+"/health", nil)
		if tok != nil {
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fail(err, "the gateway accepts connections but does not answer: try again later, then call the acquirer")
		}
		defer resp.Body.Close()
		if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
			g.date = d
		}
		if resp.StatusCode != http.StatusOK {
			return fail(fmt.Errorf("GET /health answered HTTP %d", resp.StatusCode), "the gateway reports a problem: payments go offline within limits; call the acquirer if it lasts")
		}
		return pass("gateway answers /health")
	}))
	return out
}

// discoverTokenURL reads the token endpoint from the gateway's OpenID
// configuration, falling back to {url}/oauth/token.
func discoverTokenURL(ctx context.Context, hc *http.Client, base string) string {
	base = strings.TrimRight(base, "/")
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/.well-known/openid-configuration", nil)
	if resp, err := hc.Do(req); err == nil {
		defer resp.Body.Close()
		var d struct {
			TokenEndpoint string `json:"token_endpoint"`
		}
		if resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&d) == nil && d.TokenEndpoint != "" {
			return d.TokenEndpoint
		}
	}
	return base + "/oauth/token"
}
