package terminal

import (
	"tpe/offline"
	"tpe/payment"
)

// storageFault is the journal's storage fault for the health report: the
// one a new payment would meet now (read-only, full, damaged), else the
// one the last write met until a write succeeds; nil when writable.
func storageFault(st *offline.Store) *payment.StorageFault {
	f := offline.Classify(st.Writable())
	if f == offline.FaultNone {
		f = st.Fault().Fault
	}
	if f == offline.FaultNone {
		return nil
	}
	sf := f.StorageFault()
	return &sf
}
