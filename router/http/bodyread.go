package http

import (
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gpu-orchestration/gpu-orchestration/router"
)

// Body reads are bounded in time and in number: without a deadline a
// client trickling its body a byte at a time holds a connection and a
// goroutine for ever, and a few hundred such clients exhaust the router.
// The deadline is scaled to the body's declared size (the limit when it is
// not declared), so a large body on a slow but honest link still arrives,
// and it moves with the bytes received: by any moment after the timeout,
// the time to that moment at the minimum rate must have arrived. A client
// declaring a large body (an upload of 100 MiB) and trickling it is then
// cut as soon as one declaring a small body.

// bodyDeadline is how long the first size bytes of a body may take to
// arrive.
func (s *Server) bodyDeadline(size int64) time.Duration {
	return s.cfg.BodyReadTimeout + time.Duration(float64(size)/float64(s.cfg.BodyReadRate)*float64(time.Second))
}

// boundedBody is a request body being read under a deadline and holding
// one of the server's body-read slots until it is read to the end, fails,
// or the handler returns, whichever is first.
type boundedBody struct {
	src  io.ReadCloser
	once sync.Once
	// end releases the slot; with lift, it also lifts the deadline.
	end func(lift bool)
	// received counts the body's bytes; moved sets the deadline they earn.
	received int64
	moved    func(received int64)
	// rate and timeout are the deadline's terms, for a late read's error.
	rate    int64
	timeout time.Duration
	// expired is that error once a read has come too late.
	expired atomic.Pointer[router.Error]
}

// boundBody starts the deadline and takes a slot; it answers 429 and
// returns nil when all slots are taken. The caller must call done when the
// handler returns.
func (s *Server) boundBody(w http.ResponseWriter, r *http.Request, size int64) (body *boundedBody, done func()) {
	select {
	case s.bodyReads <- struct{}{}:
	default:
		writeErrorCode(w, router.EOverloaded, "too many request bodies are being received; retry after Retry-After", time.Second)
		return nil, nil
	}
	if size < 0 {
		size = s.cfg.MaxBodyBytes
	}
	rc := http.NewResponseController(w)
	start := time.Now()
	_ = rc.SetReadDeadline(start.Add(s.cfg.BodyReadTimeout)) // not every ResponseWriter supports it (tests)
	b := &boundedBody{src: r.Body, rate: s.cfg.BodyReadRate, timeout: s.cfg.BodyReadTimeout}
	var mu sync.Mutex
	handlerDone := false
	b.moved = func(received int64) {
		mu.Lock()
		defer mu.Unlock()
		if !handlerDone {
			_ = rc.SetReadDeadline(start.Add(s.bodyDeadline(min(received, size))))
		}
	}
	b.end = func(lift bool) {
		mu.Lock()
		defer mu.Unlock()
		if lift && !handlerDone {
			// The body is in: lift the deadline, which would otherwise
			// cancel the request while the answer is still being made.
			_ = rc.SetReadDeadline(time.Time{})
		}
		<-s.bodyReads
	}
	return b, func() {
		b.once.Do(func() { b.end(false) })
		mu.Lock()
		handlerDone = true // the ResponseController may not be used after the handler
		mu.Unlock()
	}
}

func (b *boundedBody) Read(p []byte) (int, error) {
	n, err := b.src.Read(p)
	if n > 0 && err == nil {
		b.received += int64(n)
		b.moved(b.received)
	}
	if err != nil {
		// A late body keeps its expired deadline: the server then gives up
		// at once on the rest it would otherwise read before answering.
		late := errors.Is(err, os.ErrDeadlineExceeded)
		b.once.Do(func() { b.end(!late) })
		if late {
			e := router.Errorf(router.EBadRequest, "the body did not arrive in time: after the first %s it must come at %d bytes/s or faster", b.timeout.Round(time.Millisecond), b.rate)
			b.expired.Store(e)
			return n, e
		}
	}
	return n, err
}

func (b *boundedBody) Close() error { return b.src.Close() }

// late is the error of a read that came after the deadline, or nil.
func (b *boundedBody) late() error {
	if e := b.expired.Load(); e != nil {
		return e
	}
	return nil
}
