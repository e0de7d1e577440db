package bundle

import (
	"errors"
	"fmt"
)

var (
	// ErrUnsigned is a bundle without signatures.
	ErrUnsigned = errors.New("bundle: not signed; sign it with `tpectl bundle sign --key KEY FILE` before shipping")
	// ErrBadSignature is a signature by a trusted key that does not verify:
	// the manifest was changed after signing.
	ErrBadSignature = errors.New("bundle: signature does not verify; the manifest was modified after signing — get the bundle again from the release")
	// ErrUntrusted is a bundle signed only by keys the terminal does not trust.
	ErrUntrusted = errors.New("bundle: signed by no trusted key; check that you have the right bundle, or install the release public key with `tpectl provision --trust PUB`")
	// ErrTampered is a file whose size or SHA-256 differs from the manifest.
	ErrTampered = errors.New("bundle: content does not match the signed manifest; the archive was altered — get the bundle again")
	// ErrTruncated is an archive that ends early.
	ErrTruncated = errors.New("bundle: archive is truncated; the copy is incomplete — copy or download it again")
	// ErrMalformed is anything else that is not a well-formed bundle.
	ErrMalformed = errors.New("bundle: not a valid update bundle")
	// ErrNoTrustedKeys means verification was asked with no key to trust.
	ErrNoTrustedKeys = errors.New("bundle: no trusted public key configured; install the release key with `tpectl provision --trust PUB`")
	// ErrBadKey is a key file that is not an ed25519 PEM key.
	ErrBadKey = errors.New("bundle: not an ed25519 PEM key")
)

// FileError says which entry of the archive is wrong. It unwraps to one of
// the sentinels.
type FileError struct {
	Path   string
	Reason string
	Err    error
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%v: %s: %s", e.Err, e.Path, e.Reason)
}

func (e *FileError) Unwrap() error { return e.Err }
