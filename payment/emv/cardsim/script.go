package cardsim

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
)

// ErrScript means a *.card.json file is malformed.
var ErrScript = errors.New("cardsim: bad card script")

// Script is a scripted card read from a *.card.json file
// (docs/architecture §5): {"name","uid","apdus":[{"command","response"}]}
// with hex strings. The first entry whose command matches answers; a
// command ending in "*" matches by prefix; no match answers 6D00.
type Script struct {
	Name string
	UID  []byte

	entries []scriptEntry
}

type scriptEntry struct {
	cmd      []byte
	prefix   bool
	response []byte
}

type scriptFile struct {
	Name  string `json:"name"`
	UID   string `json:"uid"`
	APDUs []struct {
		Command  string `json:"command"`
		Response string `json:"response"`
	} `json:"apdus"`
}

// LoadScript reads a *.card.json file.
func LoadScript(path string) (*Script, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cardsim: %w", err)
	}
	s, err := ParseScript(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func unhex(s string) ([]byte, error) {
	return hex.DecodeString(strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' {
			return -1
		}
		return r
	}, s))
}

// ParseScript decodes the JSON of a scripted card.
func ParseScript(b []byte) (*Script, error) {
	var f scriptFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrScript, err)
	}
	uid, err := unhex(f.UID)
	if err != nil {
		return nil, fmt.Errorf("%w: uid is not hex", ErrScript)
	}
	s := &Script{Name: f.Name, UID: uid}
	for i, a := range f.APDUs {
		c := strings.TrimSpace(a.Command)
		prefix := strings.HasSuffix(c, "*")
		cmd, err := unhex(strings.TrimSuffix(c, "*"))
		if err != nil {
			return nil, fmt.Errorf("%w: apdu %d: command is not hex", ErrScript, i)
		}
		resp, err := unhex(a.Response)
		if err != nil || len(resp) < 2 {
			return nil, fmt.Errorf("%w: apdu %d: response must be hex with a status word", ErrScript, i)
		}
		s.entries = append(s.entries, scriptEntry{cmd, prefix, resp})
	}
	return s, nil
}

// Transceive answers from the script.
func (s *Script) Transceive(ctx context.Context, capdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, e := range s.entries {
		if e.prefix && len(capdu) >= len(e.cmd) && string(capdu[:len(e.cmd)]) == string(e.cmd) ||
			!e.prefix && string(capdu) == string(e.cmd) {
			return append([]byte(nil), e.response...), nil
		}
	}
	return []byte{0x6D, 0x00}, nil
}
