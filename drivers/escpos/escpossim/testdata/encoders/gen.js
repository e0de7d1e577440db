// gen.js writes the *.bin fixtures beside it: real byte streams from two
// receipt encoders, for escpossim's layout tests (TestEncoderStreams).
//
//   cd $(mktemp -d) && npm install receiptline@4.0.4 @point-of-sale/receipt-printer-encoder@4.0.1
//   NODE_PATH=$PWD/node_modules node /path/to/testdata/encoders/gen.js
//
// Only the streams and this script are kept in the repository.
const fs = require('fs');
const path = require('path');
const receiptline = require('receiptline');
const ReceiptPrinterEncoder = require('@point-of-sale/receipt-printer-encoder');

const out = (name, data) => fs.writeFileSync(path.join(__dirname, name), Buffer.from(data));

// receiptline: columns by ESC $ / ESC \ inside a print area set with GS L
// and GS W, rules in code page 1 (Katakana) graphics, double size by GS !.
const menu = `^^Cafe du Coin
Espresso | 2.50
Croissant | 1.20
{width:*,10}
Grand creme | 3.40
{width:auto}
-
^TOTAL | ^7.10
`;
const rl = (opts) => Buffer.from(receiptline.transform(menu, Object.assign(
  {cpl: 42, encoding: 'cp437', spacing: true, cutting: true, command: 'escpos'}, opts)), 'binary');
out('receiptline_columns.bin', rl({}));
out('receiptline_upsidedown.bin', rl({upsideDown: true}));
out('receiptline_margins.bin', rl({margin: 3, marginRight: 5}));

// receipt-printer-encoder: a framed table (CP437 box drawing), alignment,
// sizes, bold, underline, invert, a rule.
const enc = new ReceiptPrinterEncoder({language: 'esc-pos', columns: 42, codepageMapping: 'epson'});
const table = enc
  .initialize()
  .codepage('cp437')
  .align('center').size(2, 2).line('CAFE DU COIN').size(1, 1)
  .align('left')
  .rule({style: 'double'})
  .table([
    {width: 30, marginRight: 2, align: 'left'},
    {width: 10, align: 'right'},
  ], [
    ['Espresso', '2.50'],
    ['Croissant', '1.20'],
    [(e) => e.bold().text('TOTAL').bold(), (e) => e.bold().text('3.70').bold()],
  ])
  .box({width: 20, style: 'single'}, 'Merci !')
  .underline().line('underlined').underline()
  .invert().line('inverted').invert()
  .rule()
  .cut()
  .encode();
out('encoder_table.bin', table);
