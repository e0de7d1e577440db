package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"tpe/offline"
	"tpe/payment/notify"
)

// outboxMail is one mail of `offline outbox`: its envelope and how sending
// it went, never its body (a receipt, a report).
type outboxMail struct {
	ID       uint64    `json:"id"`
	State    string    `json:"state"` // queued or parked
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
	Queued   time.Time `json:"queued"`
	AgeSec   int64     `json:"age_s"`
	Attempts int       `json:"attempts"`
	// Answer is the relay's last answer (or why it could not be reached).
	Answer string `json:"answer,omitempty"`
}

// outboxView is `offline outbox --json`.
type outboxView struct {
	Queued int          `json:"queued"`
	Parked int          `json:"parked"`
	Mails  []outboxMail `json:"mails"`
}

func offlineOutbox(ctx context.Context, f offlineFlags, now time.Time, w io.Writer) error {
	path := filepath.Join(f.data, offline.OutboxFileName)
	ob, err := offline.OpenOutboxReadOnly(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No file: merchant notifications were never on, nothing waits.
		if f.json {
			return writeJSON(w, outboxView{Mails: []outboxMail{}})
		}
		_, err := fmt.Fprintf(w, "no mail outbox in %s: merchant notifications have never been on\n", f.data)
		return err
	case errors.Is(err, offline.ErrLocked):
		return fmt.Errorf("%w: the terminal is running; stop it, or ask its local API (GET /v1/health, \"outbox\")", err)
	case err != nil:
		return err
	}
	defer ob.Close()
	v := outboxView{Mails: []outboxMail{}}
	for _, state := range []string{"parked", "queued"} {
		list := ob.Parked
		if state == "queued" {
			list = ob.Pending
		}
		ms, err := list(ctx)
		if err != nil {
			return err
		}
		for _, m := range ms {
			v.Mails = append(v.Mails, outboxLine(m, state, now))
		}
		if state == "queued" {
			v.Queued = len(ms)
		} else {
			v.Parked = len(ms)
		}
	}
	if f.json {
		return writeJSON(w, v)
	}
	fmt.Fprintf(w, "queued %d, parked %d\n", v.Queued, v.Parked)
	if len(v.Mails) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATE\tID\tTO\tSUBJECT\tQUEUED\tAGE\tATTEMPTS\tRELAY'S ANSWER")
	for _, m := range v.Mails {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\n", m.State, m.ID, m.To, m.Subject,
			m.Queued.Local().Format(time.DateTime), time.Duration(m.AgeSec)*time.Second, m.Attempts, m.Answer)
	}
	return tw.Flush()
}

// outboxLine is what may be shown of a spooled mail. Text that came from
// outside (a subject, the relay's answer) is put on one line so that it
// cannot break the table or forge a line of it.
func outboxLine(m notify.Spooled, state string, now time.Time) outboxMail {
	l := outboxMail{ID: m.ID, State: state, Queued: m.Queued, Attempts: m.Attempts, Answer: oneLine(m.LastError)}
	if e, ok := m.Envelope(); ok {
		l.To, l.Subject = oneLine(e.To), oneLine(e.Subject)
	} else {
		l.To = "(unreadable)"
	}
	if !m.Queued.IsZero() {
		l.AgeSec = max(int64(now.Sub(m.Queued)/time.Second), 0)
	}
	return l
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
}
