// Package config loads, defaults and validates the terminal's tpe.toml.
//
// Every key is documented in tpe.sample.toml beside this file (a test keeps
// the two in step). Unknown keys are errors, so a typo never silently falls
// back to a default; each validation error names the key and how to fix it.
// The package holds no globals but Version and imports no other project
// package: cmd turns a Config into drivers, stores and services.
package config
