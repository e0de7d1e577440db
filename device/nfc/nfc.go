package nfc

import (
	"context"
	"errors"
)

// Reader finds contactless cards.
type Reader interface {
	// Detect waits until an ISO 14443-4 card is in the field, or ctx ends.
	// It returns ErrNoCard (wrapped) when ctx ends first.
	Detect(ctx context.Context) (Card, error)
	String() string
	// Halt turns the RF field off and releases the reader.
	Halt() error
}

// Card is one activated card in the field.
type Card interface {
	// Transceive sends one command APDU and returns the response APDU,
	// status word included. A card that left the field gives ErrCardRemoved.
	Transceive(ctx context.Context, capdu []byte) ([]byte, error)
}

// Target describes the activated card, when the reader knows it.
// Readers return Cards that may also implement TargetInfo.
type Target struct {
	UID  []byte
	ATQA [2]byte
	SAK  byte
	ATS  []byte
}

// TargetInfo is implemented by Cards that can describe their activation.
type TargetInfo interface {
	Target() Target
}

var (
	// ErrNoCard means no card came into the field before the deadline.
	ErrNoCard = errors.New("nfc: no card in field")
	// ErrCardRemoved means the card left the field during an exchange.
	ErrCardRemoved = errors.New("nfc: card removed")
	// ErrTimeout means the reader or the card did not answer in time.
	ErrTimeout = errors.New("nfc: timeout")
	// ErrReader means the reader itself failed (bad frames, silent chip).
	ErrReader = errors.New("nfc: reader failure")
)
