// Package api is the local terminal API: how a cash register (or a script, or
// a test) drives the terminal over HTTP+JSON, versioned under /v1.
//
// It is a user interface like the cashier's screen, so it sits in ui/ and
// only calls payment.Service; it never decides anything about a payment.
// Errors are {"error":{"code","message"}} with a meaningful 4xx; every route
// needs the bearer token from config (api.token, 16+ characters) except when
// the simulator listens on loopback. Before the token, guard.go refuses a
// Host that does not name the terminal (DNS rebinding), a foreign Origin
// and every CORS preflight (a web page must not drive the till); refunds,
// voids, batch close and discarding parked mail need api.supervisor_token
// when one is set (the
// route table's role). The simulator's control endpoints live under /v1/sim/
// and answer 404 on a real terminal. GET /v1/events streams the service's
// progress events as Server-Sent Events.
//
// The contract is docs/api.md and docs/openapi.json; a test checks that the
// OpenAPI file and the routes here list the same operations.
package api
