package escpossim

import "testing"

func TestCmdLen(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want int
	}{
		{"text", []byte("A"), 1},
		{"LF", []byte{0x0A}, 1},
		{"ESC @", []byte{0x1B, '@'}, 2},
		{"ESC ! n", []byte{0x1B, '!', 0x38}, 3},
		{"ESC p m t1 t2", []byte{0x1B, 'p', 0, 50, 250}, 5},
		{"ESC * 33 nL nH", []byte{0x1B, '*', 33, 2, 0}, 5 + 6},
		{"ESC * 0 nL nH", []byte{0x1B, '*', 0, 2, 0}, 5 + 2},
		{"ESC D tabs", []byte{0x1B, 'D', 8, 16, 0}, 5},
		{"ESC $ nL nH", []byte{0x1B, '$', 0x2C, 1}, 4},
		{"ESC \\ nL nH", []byte{0x1B, '\\', 0xE8, 0xFF}, 4},
		{"ESC { n", []byte{0x1B, '{', 1}, 3},
		{"ESC V n", []byte{0x1B, 'V', 1}, 3},
		{"ESC SP n", []byte{0x1B, ' ', 4}, 3},
		{"ESC + n", []byte{0x1B, '+', 180}, 3},
		{"ESC A n", []byte{0x1B, 'A', 20}, 3},
		{"GS L nL nH", []byte{0x1D, 'L', 36, 0}, 4},
		{"GS W nL nH", []byte{0x1D, 'W', 0xF8, 1}, 4},
		{"GS P x y", []byte{0x1D, 'P', 203, 203}, 4},
		{"GS | n", []byte{0x1D, '|', 4}, 3},
		{"ESC & y c1 c2", []byte{0x1B, '&', 3, 'A', 'B', 2, 1, 2, 3, 4, 5, 6, 1, 9, 9, 9}, 16},
		{"ESC ( A pL pH", []byte{0x1B, '(', 'A', 4, 0}, 9},
		{"GS ! n", []byte{0x1D, '!', 0x11}, 3},
		{"GS V 0", []byte{0x1D, 'V', 0}, 3},
		{"GS V 66 n", []byte{0x1D, 'V', 66, 0}, 4},
		{"GS ( k store", []byte{0x1D, '(', 'k', 8, 0}, 13},
		{"GS ( L 258 bytes", []byte{0x1D, '(', 'L', 2, 1}, 5 + 258},
		{"GS 8 L", []byte{0x1D, '8', 'L', 10, 0, 1, 0}, 7 + 65546},
		{"GS v 0", []byte{0x1D, 'v', '0', 0, 2, 0, 3, 0}, 8 + 6},
		{"GS k function B", []byte{0x1D, 'k', 73, 5}, 9},
		{"GS k function A", []byte{0x1D, 'k', 4, 'A', 'B', 0}, 6},
		{"GS r n", []byte{0x1D, 'r', 1}, 3},
		{"FS p n m", []byte{0x1C, 'p', 1, 0}, 4},
		{"FS q 1 image", []byte{0x1C, 'q', 1, 1, 0, 1, 0}, 7 + 8},
		{"DLE EOT n", []byte{0x10, 0x04, 1}, 3},
		{"DLE DC4 1", []byte{0x10, 0x14, 1, 0, 1}, 5},
		{"DLE DC4 8", []byte{0x10, 0x14, 8, 1, 3, 20, 1, 6, 2, 8}, 10},
		{"unknown ESC", []byte{0x1B, 0x99}, 2},
		{"short ESC", []byte{0x1B}, needMore},
		{"short GS ( k", []byte{0x1D, '(', 'k', 8}, needMore},
		{"unterminated GS k A", []byte{0x1D, 'k', 4, 'A'}, needMore},
	}
	for _, tt := range tests {
		if got := cmdLen(tt.b); got != tt.want {
			t.Errorf("%s: cmdLen(% X) = %d, want %d", tt.name, tt.b, got, tt.want)
		}
	}
}

// FuzzCmdLen: a command's length never depends on bytes past its end, and
// is at least one byte, so the parser always advances and a split stream
// parses as the whole one.
func FuzzCmdLen(f *testing.F) {
	for _, s := range [][]byte{
		{0x1B, '&', 3, 'A', 'B', 2, 1, 2, 3, 4, 5, 6, 1, 9, 9, 9},
		{0x1D, '(', 'k', 8, 0, 49, 80, 48, 'H', 'E', 'L', 'L', 'O'},
		{0x1D, 'k', 4, 'A', 'B', 0}, {0x1C, 'q', 1, 1, 0, 1, 0}, {0x1B, 'D', 8, 16, 0},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		n := cmdLen(b)
		if n == 0 || n < needMore {
			t.Fatalf("cmdLen(% X) = %d", b, n)
		}
		for k := 1; k < len(b); k++ {
			m := cmdLen(b[:k])
			if m != needMore && m <= k && m != n {
				t.Fatalf("prefix of %d bytes says %d, whole says %d", k, m, n)
			}
			if m != needMore && m > 0 && n != m {
				t.Fatalf("length %d from %d bytes, %d from all %d", m, k, n, len(b))
			}
		}
	})
}
