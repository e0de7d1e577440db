package config

import (
	"bytes"
	"fmt"
	"io"

	"github.com/BurntSushi/toml"
)

// Format encodes c as a tpe.toml that Parse reads back to the same Config.
// Every key is written, defaults included, so the file says everything the
// terminal will do; the commented reference is tpe.sample.toml. It does not
// validate: call Validate first when writing a terminal's config.
func Format(c Config) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("# tpe.toml written by tpectl; every key is explained in tpe.sample.toml.\n")
	b.WriteString("# Check it after editing with `tpectl config check FILE`.\n\n")
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encoding: %w", err)
	}
	return b.Bytes(), nil
}

// Write writes Format(c) to w.
func Write(w io.Writer, c Config) error {
	b, err := Format(c)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
