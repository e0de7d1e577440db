package api

import (
	"errors"
	"net/http"
)

// ErrNotAvailable answers endpoints whose machinery is missing from this
// build (HTTP 501).
var ErrNotAvailable = errors.New("api: not available in this build")

// Route is an operation a program adds to the server (Opts.Extra): tpe-sim
// mounts /v1/sim/ this way (ui/api/apisim), so the production server does
// not compile the simulator's handlers. The server applies its guard (Host,
// Origin, token), the body limit and its JSON errors to it.
type Route struct {
	Method, Path string
	// Supervisor: only the supervisor token may call it.
	Supervisor bool
	// Handle answers the request; an error becomes a JSON error (see Error).
	Handle func(w http.ResponseWriter, r *http.Request) error
}

// Error is an error a Route returns to answer with this HTTP status and API
// code (documented in docs/api.md and openapi.json's Error.code enum). msg
// goes to the client as it is, with a 5xx too: write it for the cash
// register, never from another error's text (servererror.go).
func Error(status int, code, msg string) error { return &apiError{status, code, msg} }

// Decode reads a Route's JSON body strictly, as the server's own
// operations do: one object, no unknown fields, valid UTF-8.
func Decode(r *http.Request, v any) error { return decode(r, v) }

// WriteJSON answers with v as indented JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) error { return writeJSON(w, status, v) }

// Routes lists the operations the server serves, "METHOD /path", its own
// and Opts.Extra: the OpenAPI contract tests compare it with docs/openapi.json.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	for _, rt := range s.o.Extra {
		out = append(out, rt.Method+" "+rt.Path)
	}
	return out
}
