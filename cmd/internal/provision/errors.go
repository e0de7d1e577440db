package provision

import "errors"

// ErrProvisioned refuses to replace another configuration without Force.
var ErrProvisioned = errors.New("provision: this terminal is already provisioned with a different configuration; check the terminal ID, or pass --force to replace the config (keys are kept)")
