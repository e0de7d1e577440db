package tlv

import (
	"errors"
	"fmt"
)

var (
	// ErrTruncated means an object claims more bytes than remain.
	ErrTruncated = errors.New("tlv: truncated data")
	// ErrIndefiniteLength means the forbidden length form 80 was found.
	ErrIndefiniteLength = errors.New("tlv: indefinite length not allowed")
	// ErrTagTooLong means a tag used more than 3 bytes.
	ErrTagTooLong = errors.New("tlv: tag longer than 3 bytes")
	// ErrLengthTooLong means a length used more than 3 length bytes.
	ErrLengthTooLong = errors.New("tlv: length field too long")
	// ErrTooDeep means templates were nested deeper than MaxDepth.
	ErrTooDeep = errors.New("tlv: templates nested too deep")
)

// DecodeError locates a decoding failure. It never carries data bytes.
type DecodeError struct {
	Offset int   // byte offset of the object that failed
	Err    error // one of the sentinels above
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("%v at offset %d", e.Err, e.Offset)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// ErrDOLTooLong means a DOL asks for more data than fits one APDU.
var ErrDOLTooLong = errors.New("tlv: dol asks for too much data")
