package gatewaysim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
)

// Batched offline advices (docs/gateway.md, "Batched advices"; our
// extension): a terminal back from an outage forwards its offline
// approvals up to MaxAdviceBatch per request instead of one sale each.
// Each advice is decided exactly as POST /transaction/sale/emv decides a
// sale, in request order; the reply carries one result per advice.
const (
	// MaxAdviceBatch is how many advices one batch may carry (announced
	// in GET /capabilities).
	MaxAdviceBatch = 100
	// maxBatchBody bounds a batch body: a sealed advice is about 1.5 KiB.
	maxBatchBody = MaxAdviceBatch * 8 << 10
	// adviceBatchPath is the batch endpoint, relative to the API root.
	adviceBatchPath = "transaction/sale/emv/batch"
)

// adviceBatchRequest is POST /transaction/sale/emv/batch.
type adviceBatchRequest struct {
	Advices []emvSaleRequest `json:"advices"`
}

// adviceResult is one advice's answer, in the batch's order: a sale reply
// plus the advice's orderID.
type adviceResult struct {
	OrderID string `json:"orderID"`
	saleResponse
}

// adviceBatchResponse answers a batch. errorCode other than 000 refuses the
// whole batch before any advice is processed (results is then empty).
type adviceBatchResponse struct {
	ErrorCode    string         `json:"errorCode"`
	ErrorMessage string         `json:"errorMessage"`
	Results      []adviceResult `json:"results"`
}

// capabilities is GET /capabilities: what the gateway offers beyond the
// PayXpert API. A gateway without the document (404) offers nothing more.
type capabilities struct {
	ErrorCode    string           `json:"errorCode"`
	ErrorMessage string           `json:"errorMessage"`
	AdviceBatch  *adviceBatchCaps `json:"adviceBatch,omitempty"`
}

type adviceBatchCaps struct {
	Path       string `json:"path"`
	MaxAdvices int    `json:"maxAdvices"`
}

func (s *Server) capabilities(w http.ResponseWriter, _ *http.Request) {
	c := capabilities{ErrorCode: codeSuccess, ErrorMessage: "ok"}
	if !s.o.NoAdviceBatch {
		c.AdviceBatch = &adviceBatchCaps{Path: adviceBatchPath, MaxAdvices: MaxAdviceBatch}
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) adviceBatch(w http.ResponseWriter, r *http.Request) {
	if s.o.NoAdviceBatch {
		http.NotFound(w, r)
		return
	}
	refuse := func(msg string) {
		writeJSON(w, http.StatusOK, adviceBatchResponse{ErrorCode: codeFormatError, ErrorMessage: "format error: " + msg, Results: []adviceResult{}})
	}
	var req adviceBatchRequest
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBatchBody+1))
	switch {
	case err != nil:
		return // the client went away before sending the batch: nothing processed
	case len(b) > maxBatchBody:
		err = errors.New("batch too large")
	default:
		err = decodeBatch(b, &req)
	}
	switch {
	case err != nil:
		refuse("body is not an advice batch")
		return
	case len(req.Advices) == 0 || len(req.Advices) > MaxAdviceBatch:
		refuse("a batch carries 1 to 100 advices")
		return
	}
	out := adviceBatchResponse{ErrorCode: codeSuccess, ErrorMessage: "ok", Results: make([]adviceResult, len(req.Advices))}
	var hold time.Duration
	ag := agreements{}
	defer ag.forget()
	for i := range req.Advices {
		a := &req.Advices[i]
		res := adviceResult{OrderID: a.OrderID}
		if !a.Offline {
			// An online sale has a customer waiting: it goes alone.
			res.saleResponse = saleResponse{ErrorCode: codeFormatError, ErrorMessage: "format error: a batch carries offline advices only"}
		} else {
			var d time.Duration
			res.saleResponse, d = s.authorise("sale", a, ag)
			hold = max(hold, d)
		}
		out.Results[i] = res
	}
	s.log.Info("advice batch", "advices", len(req.Advices))
	if hold > 0 {
		t := time.NewTimer(hold)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// decodeBatch is decodeExact for a batch, cheaper: each advice is decoded
// directly when plainKeys finds its member names read alike
// case-sensitively and not (what a conforming client sends), through
// decodeExact otherwise. decodeExact's generic round trip was a fifth of
// the simulator's time per advice.
func decodeBatch(b []byte, req *adviceBatchRequest) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return err
	}
	var raw []json.RawMessage
	for k, v := range top {
		if k == "advices" {
			if err := json.Unmarshal(v, &raw); err != nil {
				return err
			}
		}
	}
	req.Advices = make([]emvSaleRequest, len(raw))
	fields := saleFields()
	for i, a := range raw {
		var err error
		if plainKeys(a, fields) {
			err = json.Unmarshal(a, &req.Advices[i])
		} else {
			err = decodeExact(a, &req.Advices[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// plainKeys reports whether json.Unmarshal reads the JSON object obj into
// a flat struct (fields: its JSON names; no struct-valued field) as
// decodeExact does: every member name is a field's name exactly, or
// plain ASCII without escapes that matches no field in any case (which
// both ignore). obj must be valid JSON (it comes out of a
// json.RawMessage). Anything else — an escaped name, a name differing
// from a field's in case only, a non-ASCII name that Unicode folding
// might match — answers false, for decodeExact. It reads the bytes once,
// without building the map a key check by decoding would.
func plainKeys(obj []byte, fields map[string]reflect.Type) bool {
	i := 0
	for i < len(obj) && obj[i] != '{' {
		i++
	}
	depth, key := 0, false
	for ; i < len(obj); i++ {
		switch c := obj[i]; c {
		case '{', '[':
			depth++
			key = depth == 1
		case '}', ']':
			depth--
		case ',':
			key = depth == 1
		case '"':
			start := i + 1
			escaped := false
			for i++; i < len(obj) && obj[i] != '"'; i++ {
				if obj[i] == '\\' {
					escaped = true
					i++
				}
			}
			if !key {
				continue
			}
			key = false
			name := obj[start:min(i, len(obj))]
			if _, ok := fields[string(name)]; ok {
				continue
			}
			if escaped || !foldsToNoField(name, fields) {
				return false
			}
		}
	}
	return true
}

// foldsToNoField reports whether name, not a field's exact name, is plain
// ASCII and equal to no field's name in any case.
func foldsToNoField(name []byte, fields map[string]reflect.Type) bool {
	for _, c := range name {
		if c >= 0x80 {
			return false
		}
	}
	for f := range fields {
		if strings.EqualFold(f, string(name)) {
			return false
		}
	}
	return true
}

// saleFields are emvSaleRequest's JSON names.
var saleFields = sync.OnceValue(func() map[string]reflect.Type {
	m := map[string]reflect.Type{}
	jsonFields(reflect.TypeOf(emvSaleRequest{}), m)
	return m
})
