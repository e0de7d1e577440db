// Package apisim is the simulator's control API, /v1/sim/: present a card,
// scan a code, play the customer's wallet, cut the network, look at the
// paper and the customer display, read the outbox. tpe-sim mounts it on the
// terminal's API server through api.Opts.Extra; the production binary (tpe)
// does not compile it. Its operations are documented in docs/api.md and
// docs/openapi.json like the server's own.
package apisim

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"

	"tpe/ui/api"
	"tpe/ui/simctl"
)

// Routes are the /v1/sim/ operations on world, for api.Opts.Extra.
func Routes(world simctl.World) []api.Route {
	h := &handlers{w: world}
	return []api.Route{
		{Method: "POST", Path: "/v1/sim/card", Handle: h.card},
		{Method: "GET", Path: "/v1/sim/cards", Handle: h.cards},
		{Method: "POST", Path: "/v1/sim/scan", Handle: h.scan},
		{Method: "POST", Path: "/v1/sim/wallet", Handle: h.wallet},
		{Method: "POST", Path: "/v1/sim/pin", Handle: h.pin},
		{Method: "POST", Path: "/v1/sim/network", Handle: h.network},
		{Method: "GET", Path: "/v1/sim/printer/last.png", Handle: h.printer},
		{Method: "GET", Path: "/v1/sim/display.png", Handle: h.display},
		{Method: "GET", Path: "/v1/sim/outbox", Handle: h.outbox},
	}
}

type handlers struct{ w simctl.World }

func invalid(msg string) error {
	return api.Error(http.StatusUnprocessableEntity, "invalid_request", msg)
}

func (h *handlers) card(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Card string `json:"card"`
		File []byte `json:"file"` // base64 of a *.card.json in JSON
	}
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if (req.Card == "") == (len(req.File) == 0) {
		return invalid("send either card (a profile name, see GET /v1/sim/cards) or file (a *.card.json, base64)")
	}
	if err := h.w.PresentCard(r.Context(), req.Card, req.File); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handlers) cards(w http.ResponseWriter, r *http.Request) error {
	cards := h.w.Cards()
	if cards == nil {
		cards = []simctl.Card{}
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{"cards": cards})
}

func (h *handlers) scan(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return invalid("code is required")
	}
	if err := h.w.Scan(r.Context(), req.Code); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// wallet: an unknown payment is the world's ErrNotFound (404).
func (h *handlers) wallet(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		PaymentID string `json:"payment_id"`
		Wallet    string `json:"wallet"`
		Action    string `json:"action"`
	}
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Action != "pay" && req.Action != "decline" {
		return invalid("action must be pay or decline")
	}
	if req.PaymentID == "" {
		return invalid("payment_id is required")
	}
	if err := h.w.Wallet(r.Context(), req.PaymentID, req.Wallet, req.Action); err != nil {
		return simError(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// pin plays the customer at the PIN pad of the payment awaiting a PIN.
// The PIN is never echoed, logged or kept: it goes to the payment service,
// which enciphers and wipes it.
func (h *handlers) pin(w http.ResponseWriter, r *http.Request) error {
	pad, ok := h.w.(simctl.PINPad)
	if !ok {
		return simError(fmt.Errorf("%w: no PIN pad in this simulator", simctl.ErrNotAvailable))
	}
	var req struct {
		PIN    string `json:"pin"`
		Action string `json:"action"`
	}
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	var (
		id  string
		err error
	)
	switch {
	case req.Action == "cancel" && req.PIN == "":
		id, err = pad.CancelPIN(r.Context())
	case req.Action != "" && req.Action != "enter":
		return invalid(`action must be "enter" (the default, with pin) or "cancel"`)
	case !pinDigits(req.PIN):
		return invalid("pin must be 4 to 12 digits")
	default:
		id, err = pad.EnterPIN(r.Context(), req.PIN)
	}
	if err != nil {
		return simError(err)
	}
	return api.WriteJSON(w, http.StatusOK, map[string]string{"payment_id": id})
}

func pinDigits(s string) bool {
	if len(s) < 4 || len(s) > 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (h *handlers) network(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Online *bool `json:"online"`
	}
	if err := api.Decode(r, &req); err != nil {
		return err
	}
	if req.Online == nil {
		return invalid("online (true or false) is required")
	}
	if err := h.w.SetNetwork(*req.Online); err != nil {
		return simError(err)
	}
	return api.WriteJSON(w, http.StatusOK, map[string]bool{"online": *req.Online})
}

func (h *handlers) printer(w http.ResponseWriter, r *http.Request) error {
	rs := h.w.Receipts()
	if len(rs) == 0 {
		return simError(fmt.Errorf("%w: nothing printed yet", simctl.ErrNotFound))
	}
	return writePNG(w, rs[len(rs)-1])
}

func (h *handlers) display(w http.ResponseWriter, r *http.Request) error {
	img := h.w.Display()
	if img == nil {
		return simError(fmt.Errorf("%w: no customer display", simctl.ErrNotAvailable))
	}
	return writePNG(w, img)
}

func writePNG(w http.ResponseWriter, img image.Image) error {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed} // receipts are long
	if err := enc.Encode(&b, img); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	_, err := w.Write(b.Bytes())
	return err
}

func (h *handlers) outbox(w http.ResponseWriter, r *http.Request) error {
	mails, err := h.w.Outbox()
	if err != nil {
		return simError(err)
	}
	if mails == nil {
		mails = []simctl.Mail{}
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{"messages": mails})
}

// simError maps the world's errors: ErrNotFound is 404, ErrNotAvailable
// 501, an error the API already classifies keeps its status, and anything
// else is a request the world rejected (422; the message says why).
func simError(err error) error {
	switch {
	case errors.Is(err, simctl.ErrNotFound):
		return api.Error(http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, simctl.ErrNotAvailable):
		return api.Error(http.StatusNotImplemented, "not_available", err.Error())
	case errors.Is(err, api.ErrNotAvailable):
		return err
	}
	return api.Error(http.StatusUnprocessableEntity, "sim_rejected", err.Error())
}
