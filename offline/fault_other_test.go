//go:build !linux

package offline

const faultChildEnv = "TPE_OFFLINE_FAULT_CHILD"

func faultChild(string) int { return 2 }
