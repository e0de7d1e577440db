package config

// Version is the build's version, set by the Makefile with
// -ldflags "-X tpe/config.Version=…"; "dev" for plain go builds.
var Version = "dev"
