package batchapi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineScanner reads a file's lines holding at most one line of max bytes:
// a longer line is read past, keeping only its first prefixKept bytes (so
// that its error can name its custom_id).
type lineScanner struct {
	br   *bufio.Reader
	max  int
	buf  []byte
	line int // number of the line last read, 1-based
}

// prefixKept is how much of a line over max is kept.
const prefixKept = 4 << 10

var utf8BOM = []byte("\xef\xbb\xbf")

func newLineScanner(r io.Reader, maxLine int) *lineScanner {
	return &lineScanner{br: bufio.NewReaderSize(r, 64<<10), max: maxLine}
}

// next returns the next line without its end of line, and whether it was
// over max (then only its start). A UTF-8 byte-order mark before the first
// line is not part of it. It returns io.EOF after the last line.
func (s *lineScanner) next() (line []byte, tooLong bool, err error) {
	s.buf = s.buf[:0]
	n, over := 0, false
	for {
		frag, err := s.br.ReadSlice('\n')
		n += len(frag)
		switch {
		case over:
		case n > s.max+len("\r\n"):
			over = true
			s.buf = append(s.buf, frag...)[:min(len(s.buf)+len(frag), prefixKept)]
		default:
			s.buf = append(s.buf, frag...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && n == 0:
			return nil, false, io.EOF
		case err != nil && err != io.EOF:
			return nil, false, err
		}
		s.line++
		out := s.buf
		if !over {
			out = bytes.TrimSuffix(bytes.TrimSuffix(out, []byte("\n")), []byte("\r"))
		}
		if s.line == 1 {
			out = bytes.TrimPrefix(out, utf8BOM)
		}
		return out, over || len(out) > s.max, nil
	}
}
