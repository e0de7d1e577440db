package pn532

import (
	"bytes"
	"context"
	"testing"

	"periph.io/x/conn/v3/conntest"
	"periph.io/x/conn/v3/i2c/i2ctest"
	"periph.io/x/conn/v3/spi/spitest"
)

// These tests check the bytes on the bus against periph's own playback
// fakes, independently of pn532sim's reading of the protocol.

// spiOps is one command on SPI with software bit reversal: data write,
// status poll (ready at once), ACK read, status poll, response read.
func spiOps(cmd []byte, resp []byte, maxResp int) []conntest.IO {
	rev := func(b []byte) []byte { return reverseBits(append([]byte(nil), b...)) }
	read := func(frame []byte, maxData int) conntest.IO {
		n := 1 + maxData + frameOverhead
		w := make([]byte, n)
		w[0] = spiDataRead
		r := make([]byte, n)
		copy(r[1:], frame)
		return conntest.IO{W: rev(w), R: rev(r)}
	}
	status := conntest.IO{W: rev([]byte{spiStatusRead, 0}), R: rev([]byte{0, 1})}
	return []conntest.IO{
		{W: rev(append([]byte{spiDataWrite}, AppendFrame(nil, TFIHost, cmd)...))},
		status, read(ACK(), 6),
		status, read(AppendFrame(nil, TFIChip, resp), maxResp+1),
	}
}

func initOps(o []conntest.IO, ops func(cmd, resp []byte, maxResp int) []conntest.IO) []conntest.IO {
	o = append(o, ops([]byte{0x14, 0x01, 0x14, 0x01}, []byte{0x15}, 0)...)
	o = append(o, ops([]byte{0x02}, []byte{0x03, 0x32, 0x01, 0x06, 0x07}, 4)...)
	o = append(o, ops([]byte{0x12, 0x14}, []byte{0x13}, 0)...)
	o = append(o, ops([]byte{0x32, 0x05, 0xFF, 0x01, 0x01}, []byte{0x33}, 0)...)
	o = append(o, ops([]byte{0x32, 0x01, 0x00}, []byte{0x33}, 0)...)
	return o
}

func TestSPIPlaybackSoftwareLSB(t *testing.T) {
	ops := spiOps(nil, nil, 0)[:0]
	// Wake-up: CS low with a status read.
	ops = append(ops, conntest.IO{W: reverseBits([]byte{spiStatusRead, 0}), R: []byte{0, 0}})
	ops = initOps(ops, spiOps)
	ops = append(ops, spiOps([]byte{0x02}, []byte{0x03, 0x32, 0x01, 0x06, 0x07}, 4)...)
	// The first frame on the wire, literally: 01 (data write) + SAMConfiguration
	// 00 00 FF 05 FB D4 14 01 14 01 02 00, every byte bit-reversed.
	golden := []byte{0x80, 0x00, 0x00, 0xFF, 0xA0, 0xDF, 0x2B, 0x28, 0x80, 0x28, 0x80, 0x40, 0x00}
	if !bytes.Equal(ops[1].W, golden) {
		t.Fatalf("golden SAMConfiguration: got % X", ops[1].W)
	}
	p := &spitest.Playback{Playback: conntest.Playback{Ops: ops, DontPanic: true}}
	d, err := NewSPI(context.Background(), p, &Opts{SPISoftwareLSB: true})
	if err != nil {
		t.Fatal(err)
	}
	if fw, err := d.FirmwareVersion(context.Background()); err != nil || fw.IC != 0x32 {
		t.Fatalf("firmware: %v %v", fw, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestI2CPlayback(t *testing.T) {
	i2cOps := func(cmd, resp []byte, maxResp int) []i2ctest.IO {
		read := func(frame []byte, maxData int) i2ctest.IO {
			r := make([]byte, 1+maxData+frameOverhead)
			r[0] = 0x01
			copy(r[1:], frame)
			return i2ctest.IO{Addr: I2CAddr, R: r}
		}
		return []i2ctest.IO{
			{Addr: I2CAddr, W: AppendFrame(nil, TFIHost, cmd)},
			{Addr: I2CAddr, R: []byte{0x00}}, // not ready yet
			{Addr: I2CAddr, R: []byte{0x01}},
			read(ACK(), 6),
			{Addr: I2CAddr, R: []byte{0x01}},
			read(AppendFrame(nil, TFIChip, resp), maxResp+1),
		}
	}
	var ops []i2ctest.IO
	ops = append(ops, i2ctest.IO{Addr: I2CAddr, W: []byte{0x00}}) // wake-up
	for _, c := range []struct {
		cmd, resp []byte
		max       int
	}{
		{[]byte{0x14, 0x01, 0x14, 0x01}, []byte{0x15}, 0},
		{[]byte{0x02}, []byte{0x03, 0x32, 0x01, 0x06, 0x07}, 4},
		{[]byte{0x12, 0x14}, []byte{0x13}, 0},
		{[]byte{0x32, 0x05, 0xFF, 0x01, 0x01}, []byte{0x33}, 0},
		{[]byte{0x32, 0x01, 0x00}, []byte{0x33}, 0},
		{[]byte{0x16, 0xF0}, []byte{0x17, 0x00}, 1},
	} {
		ops = append(ops, i2cOps(c.cmd, c.resp, c.max)...)
	}
	bus := &i2ctest.Playback{Ops: ops, DontPanic: true}
	d, err := NewI2C(context.Background(), bus, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.PowerDown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := bus.Close(); err != nil {
		t.Fatal(err)
	}
}
