package api

import (
	"errors"
	"net/http"
	"strings"

	"tpe/payment"
)

// Storage faults: a payment that cannot be journaled is refused, never
// taken. A full journal (507) needs only space; the others (503) need a
// technician: GET /v1/health names the fault and its fix.
const (
	codeStorageFull        = "storage_full"
	codeStorageUnavailable = "storage_unavailable"
)

// storageStatus maps a journal storage fault to its status and code.
func storageStatus(err error) (status int, code string, ok bool) {
	switch {
	case errors.Is(err, payment.ErrStorageFull):
		return http.StatusInsufficientStorage, codeStorageFull, true
	case errors.Is(err, payment.ErrStorageUnavailable):
		return http.StatusServiceUnavailable, codeStorageUnavailable, true
	}
	return 0, "", false
}

// isStorageFault reports whether err is a journal storage fault.
func isStorageFault(err error) bool {
	_, _, ok := storageStatus(err)
	return ok
}

// errorMessage is what an error tells the client: a handler's answer says
// its message (not the error behind it, causedError). A storage fault says
// its own message: the journal's error text names files, and no file path
// leaves the terminal through the API.
func errorMessage(err error) string {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.msg
	}
	if isStorageFault(err) {
		if f, ok := payment.StorageFaultOf(err); ok {
			return f.Message
		}
		return "the journal cannot record the payment; see GET /v1/health"
	}
	return strings.TrimPrefix(err.Error(), "payment: ")
}
