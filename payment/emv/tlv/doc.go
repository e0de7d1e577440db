// Package tlv reads and writes the BER-TLV data objects EMV cards speak
// (ISO/IEC 8825-1 as restricted by EMV 4.4 Book 3 Annex B), knows the names
// and formats of the EMV tags a contactless terminal meets (Book 3 Annex A,
// Books C-2 and C-3), and parses and fills Data Object Lists (Book 3 §5.4).
//
// Rules applied, and why:
//   - Tags are 1 to 3 bytes (EMV never uses more; a longer tag is an error
//     rather than a silent misread). Lengths are short form or 81/82/83
//     long form; the indefinite form (80) is rejected as Book 3 requires.
//   - 00 and FF bytes between objects are padding (Book 3 Annex B1) and are
//     skipped, never read as tags.
//   - Errors are *DecodeError values carrying the byte offset, never the
//     bytes themselves: a record may hold a PAN.
//   - Values whose tag is marked Sensitive in the dictionary (PAN, track 2,
//     cryptograms, keys, certificates, names) are masked by the LogValue of
//     List and Object; only their tag and length are logged.
//
// DOL filling follows Book 3 §5.4: a missing value is zero-filled; a longer
// value is truncated (numeric n keeps its rightmost bytes, everything else
// its leftmost); a shorter one is padded (n on the left with 00, cn on the
// right with FF, others on the right with 00).
package tlv
