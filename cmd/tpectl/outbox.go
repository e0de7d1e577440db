package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"tpe/offline"
	"tpe/payment/notify"
	"tpe/ui/api"
)

// outboxMail is one mail of `offline outbox`: the local API's view of it
// (GET /v1/outbox), never its body (a receipt, a report).
type outboxMail = api.OutboxMail

// outboxView is `offline outbox --json`, as GET /v1/outbox answers.
type outboxView = api.OutboxList

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

// outboxLine is what may be shown of a spooled mail, as the local API
// shows it, with text that came from outside (an address, a subject, the
// relay's answer) put on one line so that it cannot break the table or
// forge a line of it.
func outboxLine(m notify.Spooled, state string, now time.Time) outboxMail {
	l := api.OutboxMailOf(m, state, now)
	l.To, l.Subject, l.Answer = oneLine(l.To), oneLine(l.Subject), oneLine(l.Answer)
	if l.Unreadable {
		l.To = "(unreadable)"
	}
	return l
}

func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f }), " ")
}

// stdin is where `offline outbox discard --all` reads its confirmation;
// a test puts a pseudo-terminal there.
var stdin = os.Stdin

// outboxTarget reads the ID of `offline outbox retry|discard`, or checks
// that --all was given instead.
func outboxTarget(sub string, pos []string, all bool) (uint64, error) {
	switch {
	case all && len(pos) > 0:
		return 0, usagef("offline %s: give a mail ID or --all, not both", sub)
	case all:
		return 0, nil
	case len(pos) == 0:
		return 0, usagef("offline %s: which mail? Give its ID (tpectl offline outbox lists them) or --all", sub)
	case len(pos) > 1:
		return 0, usagef("offline %s: unexpected argument %q", sub, pos[1])
	}
	id, err := strconv.ParseUint(pos[0], 10, 64)
	if err != nil || id == 0 {
		return 0, usagef("offline %s: %q is not a mail ID (a number, as tpectl offline outbox lists them)", sub, pos[0])
	}
	return id, nil
}

// openOutboxRW opens a stopped terminal's outbox to change it; it never
// creates one.
func openOutboxRW(f offlineFlags, sub string) (*offline.Outbox, error) {
	path := filepath.Join(f.data, offline.OutboxFileName)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no mail outbox in %s: merchant notifications have never been on, nothing is parked", f.data)
	}
	ob, err := offline.OpenOutbox(path, nil)
	if errors.Is(err, offline.ErrLocked) {
		api := "POST /v1/outbox/{id}/retry or POST /v1/outbox/parked/retry"
		if sub == "outbox discard" {
			api = "DELETE /v1/outbox/{id} or DELETE /v1/outbox/parked"
		}
		return nil, fmt.Errorf("%w: the terminal is running; stop it, or use its local API (%s)", err, api)
	}
	return ob, err
}

// outboxRetried is `offline outbox retry --json`, as the local API's
// POST /v1/outbox/parked/retry answers.
type outboxRetried struct {
	Retried []outboxMail `json:"retried"`
	// Kept are parked mails --all left parked: unreadable, they can only
	// be discarded.
	Kept []outboxMail `json:"kept"`
}

// outboxDiscarded is `offline outbox discard --json`.
type outboxDiscarded struct {
	Discarded []outboxMail `json:"discarded"`
}

func outboxRetry(ctx context.Context, f offlineFlags, id uint64, now time.Time, w io.Writer) error {
	to := f.to
	if to == "" {
		to = f.merchant
	}
	if to != "" {
		if err := notify.CheckAddress(to); err != nil {
			return usagef("offline outbox retry: --to %q (or the config's terminal.merchant_email) is not an e-mail address", to)
		}
	}
	ob, err := openOutboxRW(f, "outbox retry")
	if err != nil {
		return err
	}
	defer ob.Close()
	// The addresses before the retry, to say which were changed.
	before := map[uint64]string{}
	if parked, err := ob.Parked(ctx); err == nil {
		for _, m := range parked {
			e, _ := m.Envelope()
			before[m.ID] = e.To
		}
	}
	var moved, kept []notify.Spooled
	if f.all {
		moved, kept, err = ob.UnparkAll(ctx, notify.Readdress(to))
	} else {
		var s notify.Spooled
		s, err = ob.Unpark(ctx, id, notify.Readdress(to))
		moved = append(moved, s)
	}
	if err != nil {
		return outboxError(err, id)
	}
	v := outboxRetried{Retried: []outboxMail{}, Kept: []outboxMail{}}
	for _, m := range moved {
		v.Retried = append(v.Retried, outboxLine(m, "queued", now))
	}
	for _, m := range kept {
		v.Kept = append(v.Kept, outboxLine(m, "parked", now))
	}
	if f.json {
		return writeJSON(w, v)
	}
	if len(moved) == 0 && len(kept) == 0 {
		_, err := fmt.Fprintln(w, "no parked mail: nothing to retry")
		return err
	}
	for _, m := range v.Retried {
		was := ""
		if old := oneLine(before[m.ID]); old != "" && old != m.To {
			was = " (was " + old + ")"
		}
		fmt.Fprintf(w, "mail %d queued again for %s%s: %s\n", m.ID, m.To, was, m.Subject)
	}
	for _, m := range v.Kept {
		fmt.Fprintf(w, "mail %d kept parked: unreadable, it can only be discarded\n", m.ID)
	}
	if len(moved) > 0 {
		fmt.Fprintln(w, "the terminal sends the queue as soon as it starts")
	}
	if to == "" && len(moved) > 0 {
		fmt.Fprintln(w, "addresses kept as they were: give --config or --to to send to the merchant's current address")
	}
	return nil
}

func outboxDiscard(ctx context.Context, f offlineFlags, id uint64, now time.Time, w io.Writer) error {
	ob, err := openOutboxRW(f, "outbox discard")
	if err != nil {
		return err
	}
	defer ob.Close()
	var gone []notify.Spooled
	if f.all {
		parked, err := ob.Parked(ctx)
		if err != nil {
			return err
		}
		if len(parked) == 0 {
			if f.json {
				return writeJSON(w, outboxDiscarded{Discarded: []outboxMail{}})
			}
			_, err := fmt.Fprintln(w, "no parked mail: nothing to discard")
			return err
		}
		if !f.yes {
			if err := confirmDiscard(w, parked, now); err != nil {
				return err
			}
		}
		gone, err = ob.DiscardAll(ctx)
		if err != nil {
			return err
		}
	} else {
		s, err := ob.Discard(ctx, id)
		if err != nil {
			return outboxError(err, id)
		}
		gone = append(gone, s)
	}
	v := outboxDiscarded{Discarded: []outboxMail{}}
	for _, m := range gone {
		v.Discarded = append(v.Discarded, outboxLine(m, "discarded", now))
	}
	if f.json {
		return writeJSON(w, v)
	}
	for _, m := range v.Discarded {
		fmt.Fprintf(w, "mail %d discarded: to %s, %q, refused with: %s\n", m.ID, m.To, m.Subject, m.Answer)
	}
	return nil
}

// confirmDiscard lists the mails --all would delete and asks on the
// terminal; without one (a script, a pipe) it refuses and names --yes.
func confirmDiscard(w io.Writer, parked []notify.Spooled, now time.Time) error {
	if !term.IsTerminal(int(stdin.Fd())) {
		return usagef("offline outbox discard --all: %d parked mails would be deleted for good; add --yes to confirm (no terminal to ask on)", len(parked))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTO\tSUBJECT\tAGE\tRELAY'S ANSWER")
	for _, m := range parked {
		l := outboxLine(m, "parked", now)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", l.ID, l.To, l.Subject, time.Duration(l.AgeSec)*time.Second, l.Answer)
	}
	tw.Flush()
	fmt.Fprintf(w, "discard these %d mails for good? They will never be sent. [y/N] ", len(parked))
	answer, _ := bufio.NewReader(stdin).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes", "o", "oui":
		return nil
	}
	return errors.New("nothing discarded")
}

// outboxError words a retry's or discard's refusal for the technician.
func outboxError(err error, id uint64) error {
	switch {
	case errors.Is(err, notify.ErrMailNotFound):
		return fmt.Errorf("no mail %d in the outbox: already sent or discarded? `tpectl offline outbox` lists them", id)
	case errors.Is(err, notify.ErrMailNotParked):
		return fmt.Errorf("mail %d is queued, not parked: the terminal sends it by itself as soon as the relay takes it", id)
	case errors.Is(err, notify.ErrMailUnreadable):
		return fmt.Errorf("mail %d is unreadable: nothing can be sent; discard it (tpectl offline outbox discard %d)", id, id)
	}
	return err
}
