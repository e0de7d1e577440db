package sim

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"tpe/device/nfc"
	"tpe/drivers/pn532"
	"tpe/drivers/pn532/pn532sim"
	"tpe/drivers/serialport"
)

// NFCOpts configures NewNFC. nil means defaults.
type NFCOpts struct {
	// Baud is the HSU speed (default 115200).
	Baud int
	// Pace makes the emulated chip take the wire time of every byte.
	Pace bool
	// Link, if set, is a path where a symlink to the PTY is made, so that
	// other programs (tpectl nfc, nfc-list) can open it too.
	Link string
	// Driver tunes the pn532 driver; nil means its defaults.
	Driver *pn532.Opts
	// Logger is passed to the chip and the driver; discarded by default.
	Logger *slog.Logger
}

// NFC is an emulated PN532 on a PTY driven by the real pn532 driver.
type NFC struct {
	chip   *pn532sim.Chip
	pty    *serialport.PTY
	port   *serialport.Port
	dev    *pn532.Dev
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// NewNFC starts the emulator and opens the driver on it.
func NewNFC(ctx context.Context, o *NFCOpts) (*NFC, error) {
	var opts NFCOpts
	if o != nil {
		opts = *o
	}
	if opts.Baud == 0 {
		opts.Baud = 115200
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p, err := serialport.NewPTY()
	if err != nil {
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	if opts.Link != "" {
		if err := p.Link(opts.Link); err != nil {
			p.Close()
			return nil, fmt.Errorf("sim: nfc: %w", err)
		}
	}
	chip := pn532sim.New(&pn532sim.Opts{Baud: opts.Baud, Pace: opts.Pace, Logger: opts.Logger})
	sctx, cancel := context.WithCancel(context.Background())
	n := &NFC{chip: chip, pty: p, cancel: cancel, done: make(chan error, 1)}
	go func() { n.done <- chip.ServeHSU(sctx, p.Master) }()
	n.port, err = serialport.Open(p.Name(), &serialport.Opts{Baud: opts.Baud})
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	var dopts pn532.Opts
	if opts.Driver != nil {
		dopts = *opts.Driver
	}
	if dopts.Logger == nil {
		dopts.Logger = opts.Logger
	}
	n.dev, err = pn532.NewHSU(ctx, n.port, &dopts)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("sim: nfc: %w", err)
	}
	return n, nil
}

// Reader is the driver, as the payment flow sees it.
func (n *NFC) Reader() nfc.Reader { return n.dev }

// Dev is the driver itself.
func (n *NFC) Dev() *pn532.Dev { return n.dev }

// Chip is the emulated PN532 (stats, fault injection).
func (n *NFC) Chip() *pn532sim.Chip { return n.chip }

// Present puts card in the field, replacing any other. A card that
// implements nfc.TargetInfo chooses its UID/ATQA/SAK/ATS.
func (n *NFC) Present(card nfc.Card) { n.chip.Place(card) }

// Remove takes the card out of the field.
func (n *NFC) Remove() { n.chip.Remove() }

// PTYName is the slave device the driver uses.
func (n *NFC) PTYName() string { return n.pty.Name() }

// Close stops the emulator and closes the line.
func (n *NFC) Close() error {
	var err error
	n.once.Do(func() {
		if n.dev != nil {
			_ = n.dev.Halt()
		}
		n.cancel()
		err = <-n.done
		if n.port != nil {
			err = errors.Join(err, n.port.Close())
		}
		err = errors.Join(err, n.pty.Close())
	})
	return err
}

// ScriptedCard is a card answering from a list of APDU pairs, the
// project's *.card.json format: the first entry whose command matches
// answers (a command ending in "*" matches by prefix); no match → 6D00.
type ScriptedCard struct {
	Name  string
	UID   []byte
	APDUs []ScriptedAPDU
}

// ScriptedAPDU is one command/response pair.
type ScriptedAPDU struct {
	Command []byte
	Prefix  bool
	Resp    []byte
}

var (
	_ nfc.Card       = (*ScriptedCard)(nil)
	_ nfc.TargetInfo = (*ScriptedCard)(nil)
)

// ErrCardFile means a *.card.json file is malformed.
var ErrCardFile = errors.New("sim: bad card file")

// ParseCard decodes a *.card.json document.
func ParseCard(data []byte) (*ScriptedCard, error) {
	var doc struct {
		Name  string `json:"name"`
		UID   string `json:"uid"`
		APDUs []struct {
			Command  string `json:"command"`
			Response string `json:"response"`
		} `json:"apdus"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCardFile, err)
	}
	c := &ScriptedCard{Name: doc.Name}
	if doc.UID != "" {
		uid, err := hexBytes(doc.UID)
		if err != nil || (len(uid) != 4 && len(uid) != 7 && len(uid) != 10) {
			return nil, fmt.Errorf("%w: uid must be 4, 7 or 10 hex bytes", ErrCardFile)
		}
		c.UID = uid
	}
	for i, a := range doc.APDUs {
		cmd := strings.TrimSpace(a.Command)
		prefix := strings.HasSuffix(cmd, "*")
		cmdb, err := hexBytes(strings.TrimSuffix(cmd, "*"))
		if err != nil {
			return nil, fmt.Errorf("%w: apdu %d command: %v", ErrCardFile, i, err)
		}
		resp, err := hexBytes(a.Response)
		if err != nil || len(resp) < 2 {
			return nil, fmt.Errorf("%w: apdu %d response must be hex with a status word", ErrCardFile, i)
		}
		c.APDUs = append(c.APDUs, ScriptedAPDU{Command: cmdb, Prefix: prefix, Resp: resp})
	}
	return c, nil
}

// LoadCard reads a *.card.json file.
func LoadCard(path string) (*ScriptedCard, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sim: loading card: %w", err)
	}
	return ParseCard(b)
}

func hexBytes(s string) ([]byte, error) {
	return hex.DecodeString(strings.NewReplacer(" ", "", ":", "").Replace(s))
}

// Transceive answers from the script.
func (c *ScriptedCard) Transceive(ctx context.Context, capdu []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, a := range c.APDUs {
		if a.Prefix && bytes.HasPrefix(capdu, a.Command) || !a.Prefix && bytes.Equal(capdu, a.Command) {
			return append([]byte(nil), a.Resp...), nil
		}
	}
	return []byte{0x6D, 0x00}, nil
}

// Target describes the card: its UID (random if absent) as an ISO 14443-4
// type A card.
func (c *ScriptedCard) Target() nfc.Target {
	t := pn532sim.DefaultTarget()
	if len(c.UID) > 0 {
		t.UID = append([]byte(nil), c.UID...)
		if len(c.UID) == 7 {
			t.ATQA = [2]byte{0x00, 0x44}
		} else if len(c.UID) == 10 {
			t.ATQA = [2]byte{0x00, 0x84}
		}
	}
	return t
}

// VisaScript is a scripted card playing a Visa qVSDC contactless
// transaction (SELECT PPSE, SELECT AID, GET PROCESSING OPTIONS answered
// with an ARQC, two READ RECORDs), with the sizes of a real card
// (proxmark3 Apple Pay Visa trace). Test data only: PAN 4761 7390 0101 0010
// is Visa's published test number.
func VisaScript() *ScriptedCard {
	aid := h("A0000000031010")
	ppse := tlv(0x6F, tlv(0x84, []byte("2PAY.SYS.DDF01")), tlv(0xA5,
		tlv(0xBF0C, tlv(0x61, tlv(0x4F, aid), tlv(0x87, []byte{1}), tlv(0x9F0A, h("0001050100000000"))))))
	fci := tlv(0x6F, tlv(0x84, aid), tlv(0xA5, tlv(0x50, []byte("VISA CREDIT")),
		tlv(0x9F38, h("9F66049F02069F03069F1A0295055F2A029A039C019F3704")),
		tlv(0x5F2D, []byte("en")), tlv(0xBF0C, tlv(0x9F5A, h("3108260826")), tlv(0x9F0A, h("0001050100000000")))))
	gpo := tlv(0x77, tlv(0x82, h("2000")), tlv(0x94, h("18010200")), tlv(0x9F36, h("0002")),
		tlv(0x9F26, h("C1A2B3C4D5E6F708")), tlv(0x9F27, h("80")),
		tlv(0x9F10, h("06011203A0000000000000000000000000000000000000000000000000000000")[:32]),
		tlv(0x9F6C, h("1600")), tlv(0x9F6E, h("20700000")), tlv(0x5F34, h("01")),
		tlv(0x57, h("4761739001010010D24122010000000000000F")), tlv(0x5F20, []byte("CARD/IMAGE 01")))
	rec1 := tlv(0x70, tlv(0x5A, h("4761739001010010")), tlv(0x5F24, h("241231")), tlv(0x5F28, h("0840")),
		tlv(0x9F07, h("FF00")), tlv(0x8F, h("92")), tlv(0x9F32, h("03")), tlv(0x9F4A, h("82")),
		tlv(0x9F46, bytes.Repeat(h("5A17"), 64)))
	rec2 := tlv(0x70, tlv(0x9F0D, h("F040642000")), tlv(0x9F0E, h("0010800000")), tlv(0x9F0F, h("F040649800")),
		tlv(0x5F25, h("220101")), tlv(0x9F69, h("01A1B2C3D4E5F60000")), tlv(0x90, bytes.Repeat(h("C3"), 144)))
	ok := func(b []byte) []byte { return append(b, 0x90, 0x00) }
	return &ScriptedCard{
		Name: "visa-qvsdc-scripted",
		UID:  h("0834B983"),
		APDUs: []ScriptedAPDU{
			{Command: append(h("00A404000E"), append([]byte("2PAY.SYS.DDF01"), 0)...), Resp: ok(ppse)},
			{Command: append(append(h("00A4040007"), aid...), 0), Resp: ok(fci)},
			{Command: h("80A8"), Prefix: true, Resp: ok(gpo)},
			{Command: h("00B2011C00"), Resp: ok(rec1)},
			{Command: h("00B2021C00"), Resp: ok(rec2)},
		},
	}
}

// VisaCommands are the C-APDUs a terminal sends to VisaScript, in order.
func VisaCommands() [][]byte {
	pdol := h("36000000" + "000000001000" + "000000000000" + "0250" + "0000000000" + "0978" + "261126" + "00" + "12345678")
	gpo := append(append(h("80A80000"), byte(len(pdol)+2), 0x83, byte(len(pdol))), pdol...)
	return [][]byte{
		append(h("00A404000E"), append([]byte("2PAY.SYS.DDF01"), 0)...),
		append(append(h("00A4040007"), h("A0000000031010")...), 0),
		append(gpo, 0x00),
		h("00B2011C00"),
		h("00B2021C00"),
	}
}

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err) // constant input
	}
	return b
}

// tlv encodes one BER-TLV with a 1- or 2-byte tag.
func tlv(tag int, parts ...[]byte) []byte {
	v := bytes.Join(parts, nil)
	var out []byte
	if tag > 0xFF {
		out = append(out, byte(tag>>8))
	}
	out = append(out, byte(tag))
	switch n := len(v); {
	case n < 0x80:
		out = append(out, byte(n))
	case n <= 0xFF:
		out = append(out, 0x81, byte(n))
	default:
		out = append(out, 0x82, byte(n>>8), byte(n))
	}
	return append(out, v...)
}
