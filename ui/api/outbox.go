package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"tpe/payment/notify"
)

// MailOutbox is the merchant notifications' outbox as the API shows and
// acts on it (the terminal's notify.Outbox, re-addressing retries to the
// configured merchant address). Only parked mail — refused by the relay
// for good — is the caller's to retry or discard: a queued one is the
// outbox's own (notify.ErrMailNotParked).
type MailOutbox interface {
	Pending(ctx context.Context) ([]notify.Spooled, error)
	Parked(ctx context.Context) ([]notify.Spooled, error)
	// Retry sends parked mail id back to the queue and returns it as
	// queued.
	Retry(ctx context.Context, id uint64) (notify.Spooled, error)
	// RetryParked does Retry for every parked mail; kept are those left
	// parked because they are unreadable.
	RetryParked(ctx context.Context) (retried, kept []notify.Spooled, err error)
	// Discard deletes parked mail id and returns it as it was.
	Discard(ctx context.Context, id uint64) (notify.Spooled, error)
	DiscardParked(ctx context.Context) ([]notify.Spooled, error)
}

// OutboxMail is one mail of GET /v1/outbox: whom it is for and how
// sending it went, never its body (a receipt, a report).
type OutboxMail struct {
	ID       uint64    `json:"id"`
	State    string    `json:"state"` // queued, parked or discarded
	To       string    `json:"to"`
	Subject  string    `json:"subject"`
	Queued   time.Time `json:"queued"`
	AgeSec   int64     `json:"age_s"`
	Attempts int       `json:"attempts"`
	// Answer is the relay's last answer, or why it could not be reached.
	Answer string `json:"answer,omitempty"`
	// Unreadable: the record does not decode; it can only be discarded.
	Unreadable bool `json:"unreadable,omitempty"`
}

// OutboxList is GET /v1/outbox.
type OutboxList struct {
	Queued int          `json:"queued"`
	Parked int          `json:"parked"`
	Mails  []OutboxMail `json:"mails"` // parked first, then queued; oldest first in each
}

// OutboxMailOf is what may be shown of spooled mail m in state at now
// (tpectl offline outbox shows the same).
func OutboxMailOf(m notify.Spooled, state string, now time.Time) OutboxMail {
	v := OutboxMail{ID: m.ID, State: state, Queued: m.Queued, Attempts: m.Attempts, Answer: m.LastError}
	if e, ok := m.Envelope(); ok {
		v.To, v.Subject = e.To, e.Subject
	} else {
		v.Unreadable = true
	}
	if !m.Queued.IsZero() {
		v.AgeSec = max(int64(now.Sub(m.Queued)/time.Second), 0)
	}
	return v
}

func outboxMails(ms []notify.Spooled, state string, now time.Time) []OutboxMail {
	out := make([]OutboxMail, 0, len(ms))
	for _, m := range ms {
		out = append(out, OutboxMailOf(m, state, now))
	}
	return out
}

// outbox is the terminal's MailOutbox, or the answer that it has none.
func (s *Server) outbox() (MailOutbox, error) {
	if s.o.Outbox == nil {
		return nil, &apiError{http.StatusNotFound, "not_found", "no mail outbox: the merchant's notifications are off ([notifications])"}
	}
	return s.o.Outbox, nil
}

// mailID reads {id}: a mail ID is a positive number, anything else names
// no mail.
func mailID(r *http.Request) (uint64, error) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil || id == 0 {
		return 0, &apiError{http.StatusNotFound, "not_found", "no such mail: a mail ID is a number, as GET /v1/outbox lists them"}
	}
	return id, nil
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) error {
	ob, err := s.outbox()
	if err != nil {
		return err
	}
	parked, err := ob.Parked(r.Context())
	if err != nil {
		return err
	}
	queued, err := ob.Pending(r.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	list := OutboxList{Queued: len(queued), Parked: len(parked), Mails: outboxMails(parked, "parked", now)}
	list.Mails = append(list.Mails, outboxMails(queued, "queued", now)...)
	return writeJSON(w, http.StatusOK, list)
}

func (s *Server) retryMail(w http.ResponseWriter, r *http.Request) error {
	ob, err := s.outbox()
	if err != nil {
		return err
	}
	id, err := mailID(r)
	if err != nil {
		return err
	}
	m, err := ob.Retry(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, OutboxMailOf(m, "queued", time.Now()))
}

func (s *Server) retryParked(w http.ResponseWriter, r *http.Request) error {
	ob, err := s.outbox()
	if err != nil {
		return err
	}
	retried, kept, err := ob.RetryParked(r.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	return writeJSON(w, http.StatusOK, map[string][]OutboxMail{
		"retried": outboxMails(retried, "queued", now), "kept": outboxMails(kept, "parked", now)})
}

func (s *Server) discardMail(w http.ResponseWriter, r *http.Request) error {
	ob, err := s.outbox()
	if err != nil {
		return err
	}
	id, err := mailID(r)
	if err != nil {
		return err
	}
	m, err := ob.Discard(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, OutboxMailOf(m, "discarded", time.Now()))
}

func (s *Server) discardParked(w http.ResponseWriter, r *http.Request) error {
	ob, err := s.outbox()
	if err != nil {
		return err
	}
	gone, err := ob.DiscardParked(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string][]OutboxMail{"discarded": outboxMails(gone, "discarded", time.Now())})
}
