package api

import (
	"context"
	"errors"
	"net/http"
)

// ErrNotAvailable answers simulator endpoints whose machinery is missing
// from this build (HTTP 501).
var ErrNotAvailable = errors.New("api: not available in this build")

// SimCard is a virtual card the simulator can present.
type SimCard struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	PANMasked   string `json:"pan_masked"`
}

// Mail is an e-mail the simulator's SMTP sink received.
type Mail struct {
	From    string   `json:"from"`
	To      []string `json:"to"`
	Subject string   `json:"subject"`
	Text    string   `json:"text"`
	HTML    string   `json:"html,omitempty"`
	At      string   `json:"at"`
}

// SimControl drives the simulator's emulated world (tpe-sim wires
// device/sim and the gateway simulator to it).
type SimControl interface {
	// PresentCard puts a virtual card (a profile name) or a scripted card
	// (the JSON of a *.card.json file) in the reader's field for the next read.
	PresentCard(ctx context.Context, profile string, script []byte) error
	Cards() []SimCard
	// Scan makes the scanner read code.
	Scan(ctx context.Context, code string) error
	// Wallet makes the customer's wallet pay or decline an Alipay+ payment.
	Wallet(ctx context.Context, paymentID, wallet, action string) error
	// SetNetwork cuts or restores the terminal's connection to the gateway.
	SetNetwork(online bool) error
	PrinterPNG() ([]byte, error)
	DisplayPNG() ([]byte, error)
	Outbox() ([]Mail, error)
}

func (s *Server) simCard(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Card string `json:"card"`
		File []byte `json:"file"` // base64 of a *.card.json in JSON
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if (req.Card == "") == (len(req.File) == 0) {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "send either card (a profile name, see GET /v1/sim/cards) or file (a *.card.json, base64)"}
	}
	if err := s.o.Sim.PresentCard(r.Context(), req.Card, req.File); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) simCards(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]any{"cards": s.o.Sim.Cards()})
}

func (s *Server) simScan(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "code is required"}
	}
	if err := s.o.Sim.Scan(r.Context(), req.Code); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) simWallet(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PaymentID string `json:"payment_id"`
		Wallet    string `json:"wallet"`
		Action    string `json:"action"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Action != "pay" && req.Action != "decline" {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "action must be pay or decline"}
	}
	if req.PaymentID == "" {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "payment_id is required"}
	}
	if _, err := s.o.Service.Get(r.Context(), req.PaymentID); err != nil {
		return err
	}
	if err := s.o.Sim.Wallet(r.Context(), req.PaymentID, req.Wallet, req.Action); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) simNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Online *bool `json:"online"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Online == nil {
		return &apiError{http.StatusUnprocessableEntity, "invalid_request", "online (true or false) is required"}
	}
	if err := s.o.Sim.SetNetwork(*req.Online); err != nil {
		return simError(err)
	}
	return writeJSON(w, http.StatusOK, map[string]bool{"online": *req.Online})
}

func (s *Server) png(w http.ResponseWriter, get func() ([]byte, error)) error {
	b, err := get()
	if err != nil {
		return simError(err)
	}
	w.Header().Set("Content-Type", "image/png")
	_, err = w.Write(b)
	return err
}

func (s *Server) simPrinter(w http.ResponseWriter, r *http.Request) error {
	return s.png(w, s.o.Sim.PrinterPNG)
}

func (s *Server) simDisplay(w http.ResponseWriter, r *http.Request) error {
	return s.png(w, s.o.Sim.DisplayPNG)
}

func (s *Server) simOutbox(w http.ResponseWriter, r *http.Request) error {
	mails, err := s.o.Sim.Outbox()
	if err != nil {
		return simError(err)
	}
	if mails == nil {
		mails = []Mail{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"messages": mails})
}

// simError keeps ErrNotAvailable (501) and marks anything else as a bad
// request to the simulator: the control's message says what was wrong.
func simError(err error) error {
	if errors.Is(err, ErrNotAvailable) {
		return err
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return err
	}
	if errors.Is(err, ErrNotFoundSim) {
		return &apiError{http.StatusNotFound, "not_found", err.Error()}
	}
	return &apiError{http.StatusUnprocessableEntity, "sim_rejected", err.Error()}
}

// ErrNotFoundSim is returned by SimControl for unknown cards or payments.
var ErrNotFoundSim = errors.New("sim: not found")
