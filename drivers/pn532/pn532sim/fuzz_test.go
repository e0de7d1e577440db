package pn532sim_test

import (
	"context"
	"testing"
	"time"

	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
)

// FuzzChipCommands feeds arbitrary command frames to the emulator: every
// one is answered (response or error frame) or ignored, never a panic or a
// hang.
func FuzzChipCommands(f *testing.F) {
	for _, seed := range [][]byte{
		{0x02}, {0x14, 0x01}, {0x00, 0x00, 'l', 'i', 'b'}, {0x06, 0x63, 0x02}, {0x08, 0x63, 0x02, 0x80},
		{0x32, 0x05, 0x00, 0x01, 0x02}, {0x4A, 0x01, 0x00}, {0x40, 0x01, 0x00, 0xA4, 0x04, 0x00},
		{0x40, 0x41, 0x00}, {0x42, 0xB2}, {0x44, 0x00}, {0x52, 0x00}, {0x16, 0xF0}, {0x60, 0x01, 0x01, 0x20},
		{0x10, 0x04}, {0x12, 0x14}, {0x04}, {0x54, 0x01},
	} {
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, card bool) {
		if len(data) == 0 || len(data) > pn532.MaxFrameData-1 {
			return
		}
		chip := pn532sim.New(nil)
		if card {
			chip.Place(echo)
		}
		bus := chip.I2C()
		defer bus.Close()
		// Bounded retries, field on and a target listed first, so exchanges
		// reach the card and an empty field answers at once.
		for _, c := range [][]byte{{0x32, 0x05, 0xFF, 0x01, 0x00}, {0x32, 0x01, 0x01}, {0x4A, 0x01, 0x00}, data} {
			if err := bus.Tx(0x24, pn532.AppendFrame(nil, pn532.TFIHost, c), nil); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			frames := 0
			for frames < 2 && ctx.Err() == nil {
				st := []byte{0}
				bus.Tx(0x24, nil, st)
				if st[0]&1 == 0 {
					time.Sleep(100 * time.Microsecond)
					continue
				}
				r := make([]byte, 300)
				bus.Tx(0x24, nil, r)
				fr, _, err := pn532.ParseFrame(r[1:])
				if err != nil {
					t.Fatalf("emulator sent a bad frame % X: %v", r[1:20], err)
				}
				if frames == 0 && fr.Type != pn532.FrameACK {
					t.Fatalf("first frame %v, want ack", fr.Type)
				}
				if frames == 1 && fr.Type == pn532.FrameInfo && (fr.TFI != pn532.TFIChip || len(fr.Data) == 0 || fr.Data[0] != c[0]+1) {
					t.Fatalf("response % X to command %02X", fr.Data, c[0])
				}
				frames++
			}
			cancel()
			if frames < 2 {
				// Still running (waiting for a card): abort it, then drop
				// whatever it managed to send.
				bus.Tx(0x24, pn532.ACK(), nil)
				time.Sleep(20 * time.Millisecond)
				for st := []byte{1}; st[0]&1 != 0; {
					bus.Tx(0x24, nil, make([]byte, 300))
					bus.Tx(0x24, nil, st)
				}
			}
		}
	})
}
