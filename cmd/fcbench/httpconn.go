package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// The load client is a minimal keep-alive HTTP/1.1 client over one
// net.Conn per connection, like wrk's: the request is built once (with the
// bearer token) and written as is, and the answer is read with one
// bufio.Reader (status line, headers, a Content-Length or chunked body).
// It costs the shared CPU much less than net/http's client, which the
// server under measurement competes with.

// errMalformed marks an answer that is not valid HTTP/1.1.
var errMalformed = errors.New("malformed HTTP response")

// rawConn is one keep-alive connection to the server, redialled after the
// server closes it or after an error.
type rawConn struct {
	addr string // host:port
	c    net.Conn
	r    *bufio.Reader
	used bool      // at least one answer was read on c
	dl   time.Time // the deadline set on c
}

// buildRequest returns the bytes of a GET of path with the bearer token.
func buildRequest(host, path, token string) []byte {
	return []byte("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token +
		"\r\nUser-Agent: fcbench\r\n\r\n")
}

func (k *rawConn) dial() error {
	c, err := net.DialTimeout("tcp", k.addr, 10*time.Second)
	if err != nil {
		return err
	}
	k.c, k.used, k.dl = c, false, time.Time{}
	if k.r == nil {
		k.r = bufio.NewReaderSize(c, 64<<10)
	} else {
		k.r.Reset(c)
	}
	return nil
}

func (k *rawConn) close() {
	if k.c != nil {
		_ = k.c.Close()
		k.c = nil
	}
}

// setDeadline bounds every read and write until t; the connection keeps
// it until another is set (once per run, not per request).
func (k *rawConn) setDeadline(t time.Time) {
	if k.c != nil && !t.Equal(k.dl) {
		_ = k.c.SetDeadline(t)
		k.dl = t
	}
}

// do sends req and reads the answer. The body is appended to body[:0] when
// body is not nil, and discarded otherwise. A connection the server had
// closed while idle (nothing read of the answer) is redialled and the
// request sent once more, as net/http does for a GET.
func (k *rawConn) do(req []byte, body *[]byte, deadline time.Time) (int, error) {
	for attempt := 0; ; attempt++ {
		if k.c == nil {
			if err := k.dial(); err != nil {
				return 0, err
			}
		}
		k.setDeadline(deadline)
		reused := k.used
		status, keep, err := k.roundTrip(req, body)
		if err == nil {
			k.used = true
			if !keep {
				k.close()
			}
			return status, nil
		}
		k.close()
		if !reused || attempt > 0 || !errors.Is(err, errIdleClosed) {
			return 0, err
		}
	}
}

// errIdleClosed: the connection ended before any byte of the answer.
var errIdleClosed = errors.New("connection closed before the answer")

func (k *rawConn) roundTrip(req []byte, body *[]byte) (status int, keep bool, err error) {
	if _, err := k.c.Write(req); err != nil {
		if closedByPeer(err) {
			err = fmt.Errorf("%w: %w", errIdleClosed, err)
		}
		return 0, false, err
	}
	if _, err := k.r.Peek(1); err != nil {
		if closedByPeer(err) {
			err = fmt.Errorf("%w: %w", errIdleClosed, err)
		}
		return 0, false, err
	}
	return readResponse(k.r, body)
}

// closedByPeer: the server had closed the connection (an end of file, a
// reset or a broken pipe), not a timeout.
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// readResponse reads one HTTP/1.1 answer from r: its status, whether the
// connection stays open, and its body (appended to (*body)[:0], or
// discarded when body is nil). It reads a Content-Length body, a chunked
// body, or (without either) the body up to the end of the connection.
func readResponse(r *bufio.Reader, body *[]byte) (status int, keep bool, err error) {
	line, err := readLine(r)
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK": the version, a space, three digits, then a space
	// and a reason phrase or nothing.
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return 0, false, fmt.Errorf("%w: status line %q", errMalformed, line)
		}
		status = status*10 + int(c-'0')
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection open by default
	length, chunked := int64(-1), false
	for {
		h, err := readLine(r)
		if err != nil {
			return 0, false, err
		}
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok || len(name) == 0 {
			return 0, false, fmt.Errorf("%w: header %q", errMalformed, h)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (length >= 0 && n != length) {
				return 0, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
			length = n
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			if !bytes.EqualFold(value, []byte("chunked")) {
				return 0, false, fmt.Errorf("%w: Transfer-Encoding %q", errMalformed, value)
			}
			chunked = true
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			} else if bytes.EqualFold(value, []byte("keep-alive")) {
				keep = true
			}
		}
	}
	if body != nil {
		*body = (*body)[:0]
	}
	switch {
	case status/100 == 1 || status == 204 || status == 304:
		if status/100 == 1 {
			return 0, false, fmt.Errorf("%w: informational status %d", errMalformed, status)
		}
	case chunked:
		err = readChunked(r, body)
	case length >= 0:
		err = readN(r, length, body)
	default:
		// No length: the body runs to the end of the connection.
		keep = false
		err = readToEOF(r, body)
	}
	if err != nil {
		return 0, false, err
	}
	return status, keep, nil
}

// readLine returns one line without its CRLF; the slice is valid until
// the next read. A bare LF ends a line too, as net/http accepts.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than %d bytes", errMalformed, r.Size())
		}
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: %w", errMalformed, io.ErrUnexpectedEOF)
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readN reads n bytes of body.
func readN(r *bufio.Reader, n int64, body *[]byte) error {
	if body == nil {
		if _, err := r.Discard(int(n)); err != nil {
			return fmt.Errorf("%w: body: %w", errMalformed, err)
		}
		return nil
	}
	start := len(*body)
	*body = append(*body, make([]byte, n)...)
	if _, err := io.ReadFull(r, (*body)[start:]); err != nil {
		return fmt.Errorf("%w: body: %w", errMalformed, err)
	}
	return nil
}

func readToEOF(r *bufio.Reader, body *[]byte) error {
	if body == nil {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	b, err := io.ReadAll(r)
	*body = append(*body, b...)
	return err
}

// readChunked reads a chunked body: hexadecimal sizes (extensions after
// ';' ignored), each chunk followed by CRLF, a zero size, then trailer
// lines up to an empty one.
func readChunked(r *bufio.Reader, body *[]byte) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 62)
		if err != nil {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			break
		}
		if err := readN(r, int64(n), body); err != nil {
			return err
		}
		crlf, err := readLine(r)
		if err != nil {
			return err
		}
		if len(crlf) != 0 {
			return fmt.Errorf("%w: no CRLF after a chunk", errMalformed)
		}
	}
	for { // trailers
		line, err := readLine(r)
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
	}
}
