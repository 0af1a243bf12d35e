package firmware

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/config"
	"github.com/earshot-app/earshot/app/httpguard"
	"github.com/earshot-app/earshot/device/clock"
)

// StagerParams are a Stager's dependencies.
type StagerParams struct {
	Fs  afero.Fs
	Dir string // the staging folder, <data>/firmware
	// HTTP fetches firmware; nil means a client with NewTransport.
	HTTP   *http.Client
	Clock  clock.Clock // for the pauses between attempts
	Logger *slog.Logger
	Limits Limits // zero means DefaultLimits
	// Attempts is how many times a download is tried, resuming where the
	// previous attempt stopped; 0 means 5.
	Attempts int
	// Backoff is the pause after the first failed attempt; it doubles after
	// each. 0 means 2 s.
	Backoff time.Duration
	// IdleTimeout ends an attempt when no byte arrives for that long (wall
	// time); 0 means 60 s.
	IdleTimeout time.Duration
}

// Stager downloads or copies firmware archives into the staging folder
// (house habit 10 in docs/ARCHITECTURE.md): each is written under a temporary name, synced,
// checked, renamed, and verified before it counts as staged.
type Stager struct {
	p   StagerParams
	ftp func(ctx context.Context, u *url.URL, offset int64) (io.ReadCloser, int64, error)

	mu     sync.Mutex
	active map[string]bool // temporary files being written
}

// NewStager returns a Stager.
func NewStager(p StagerParams) *Stager {
	if p.HTTP == nil {
		p.HTTP = &http.Client{Transport: NewTransport()}
	}
	if p.Clock == nil {
		p.Clock = clock.Real{}
	}
	if p.Logger == nil {
		p.Logger = slog.New(slog.DiscardHandler)
	}
	if p.Limits == (Limits{}) {
		p.Limits = DefaultLimits
	}
	if p.Attempts <= 0 {
		p.Attempts = 5
	}
	if p.Backoff <= 0 {
		p.Backoff = 2 * time.Second
	}
	if p.IdleTimeout <= 0 {
		p.IdleTimeout = 60 * time.Second
	}
	s := &Stager{p: p, active: map[string]bool{}}
	s.ftp = s.fetchFTP
	return s
}

// NewTransport returns the HTTP transport Earshot's network clients use:
// bounded dialing, TLS handshake and wait for response headers.
func NewTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSHandshakeTimeout = 15 * time.Second
	t.ResponseHeaderTimeout = 30 * time.Second
	return t
}

// Staged is a firmware archive in the staging folder.
type Staged struct {
	Path     string // in the Stager's Fs
	Size     int64
	SHA256   string // hex
	Info     Info
	Source   string // where it came from: a URL with credentials and query values masked, or a file path
	StagedAt time.Time
}

// Source is where to download an archive from.
type Source struct {
	URL       string // http, https or ftp
	UserAgent string
	// Endpoint is the configured device-management endpoint the download
	// was offered by, "" for a URL a person gave. Username, Password and the
	// endpoint's query then go only to the endpoint's origin, on every hop,
	// and no hop may reach a loopback or link-local address unless the
	// endpoint is on one.
	Endpoint string
	// Username and Password, when Username is set, go as HTTP Basic
	// authentication with every request to the origin of Endpoint (of URL
	// when Endpoint is ""), and with no other (httpguard).
	Username, Password string
}

// home is the origin src's credentials and tokens belong to.
func (src Source) home() (httpguard.Home, error) {
	if src.Endpoint == "" {
		return httpguard.NewHome(src.URL, src.Username, src.Password)
	}
	h, err := httpguard.NewHome(src.Endpoint, src.Username, src.Password)
	return h.RefuseLocal(), err
}

// Progress is told how many bytes of how many (-1: unknown) are in.
type Progress func(done, total int64)

// Download fetches src into the staging folder of the device key. A
// connection that drops is resumed with an HTTP Range request, Attempts
// times at most; a partial file left by an earlier call for the same URL is
// resumed too. The archive is refused when it is larger than
// Limits.MaxArchive or invalid (the error then wraps ErrInvalidArchive).
func (s *Stager) Download(ctx context.Context, key string, src Source, progress Progress) (Staged, error) {
	u, err := url.Parse(src.URL)
	if err != nil || u.Host == "" {
		return Staged{}, fmt.Errorf("download firmware: %q is not an absolute URL", config.Redact(src.URL))
	}
	if progress == nil {
		progress = func(int64, int64) {}
	}
	shown := config.Redact(src.URL)
	home, err := src.home()
	if err != nil {
		return Staged{}, fmt.Errorf("download firmware %s: %w", shown, err)
	}
	if err := home.CheckLocal(src.URL); err != nil {
		return Staged{}, fmt.Errorf("download firmware %s: %w", shown, err)
	}
	hc := home.Client(s.p.HTTP)
	name := fileName(path.Base(u.Path))
	dir := s.deviceDir(key)
	part := filepath.Join(dir, "."+name+"."+shortHash(u.Scheme+"://"+u.Host+u.Path)+".part")
	release, err := s.claim(part)
	if err != nil {
		return Staged{}, err
	}
	defer release()
	if err := s.p.Fs.MkdirAll(dir, 0o700); err != nil {
		return Staged{}, fmt.Errorf("download firmware: create %s: %w", dir, err)
	}
	var lastErr error
	for attempt := 1; attempt <= s.p.Attempts; attempt++ {
		if attempt > 1 {
			wait := s.p.Backoff << (attempt - 2)
			s.p.Logger.Warn("firmware download interrupted; resuming", "url", shown, "attempt", attempt,
				"after", wait.String(), "err", lastErr)
			select {
			case <-ctx.Done():
				return Staged{}, fmt.Errorf("download firmware %s: %w", shown, ctx.Err())
			case <-s.p.Clock.After(wait):
			}
		}
		done, retry, err := s.attempt(ctx, hc, u, src, part, progress)
		if err == nil && done {
			st, err := s.finish(ctx, part, filepath.Join(dir, name), shown)
			if err != nil {
				return Staged{}, fmt.Errorf("download firmware %s: %w", shown, err)
			}
			return st, nil
		}
		if ctx.Err() != nil {
			return Staged{}, fmt.Errorf("download firmware %s: %w", shown, ctx.Err())
		}
		if !retry {
			return Staged{}, fmt.Errorf("download firmware %s: %w", shown, err)
		}
		lastErr = err
	}
	return Staged{}, fmt.Errorf("download firmware %s: gave up after %d attempts: %w", shown, s.p.Attempts, lastErr)
}

// claim makes sure one download at a time writes a temporary file.
func (s *Stager) claim(part string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active[part] {
		return nil, fmt.Errorf("the firmware file %s is already being downloaded", filepath.Base(part))
	}
	s.active[part] = true
	return func() {
		s.mu.Lock()
		delete(s.active, part)
		s.mu.Unlock()
	}, nil
}

// attempt makes one request, appending to part from its current size. It
// reports whether the file is complete, and whether a failure is worth
// another attempt.
func (s *Stager) attempt(ctx context.Context, hc *http.Client, u *url.URL, src Source, part string, progress Progress) (done, retry bool, err error) {
	have, err := s.size(part)
	if err != nil {
		return false, false, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var body io.ReadCloser
	total := int64(-1)
	start := have
	if strings.EqualFold(u.Scheme, "ftp") {
		body, total, err = s.ftp(ctx, u, have)
		if err != nil {
			return false, true, err
		}
	} else {
		var resp *http.Response
		resp, err = s.get(ctx, hc, u, src, have)
		if err != nil {
			return false, true, err
		}
		body = resp.Body
		switch resp.StatusCode {
		case http.StatusOK:
			start, total = 0, resp.ContentLength
		case http.StatusPartialContent:
			from, size, ok := contentRange(resp.Header.Get("Content-Range"))
			if !ok || from != have {
				resp.Body.Close()
				// The server sent another range than asked for: start over.
				return false, true, s.truncate(part, fmt.Errorf("server answered range %q to bytes=%d-", resp.Header.Get("Content-Range"), have))
			}
			total = size
		case http.StatusRequestedRangeNotSatisfiable:
			resp.Body.Close()
			if _, size, ok := contentRange(resp.Header.Get("Content-Range")); ok && size == have && have > 0 {
				return true, false, nil // the earlier attempt had it all
			}
			return false, true, s.truncate(part, fmt.Errorf("server refused to resume at byte %d", have))
		default:
			resp.Body.Close()
			retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests
			return false, retry, fmt.Errorf("server answered %s", resp.Status)
		}
	}
	defer body.Close()
	if total > s.p.Limits.MaxArchive {
		return false, false, invalid("%d bytes is more than the %d allowed", total, s.p.Limits.MaxArchive)
	}
	flags := os.O_WRONLY | os.O_APPEND
	if start == 0 {
		flags = os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	}
	f, err := s.p.Fs.OpenFile(part, flags, 0o600)
	if err != nil {
		return false, false, fmt.Errorf("open %s: %w", part, err)
	}
	written, copyErr := s.copy(ctx, cancel, f, body, start, total, progress)
	syncErr := f.Sync()
	closeErr := f.Close()
	switch {
	case errors.Is(copyErr, ErrInvalidArchive):
		_ = s.p.Fs.Remove(part)
		return false, false, copyErr
	case copyErr != nil:
		return false, true, fmt.Errorf("connection dropped after %d bytes: %w", start+written, copyErr)
	case syncErr != nil:
		return false, false, fmt.Errorf("sync %s: %w", part, syncErr)
	case closeErr != nil:
		return false, false, fmt.Errorf("close %s: %w", part, closeErr)
	case total >= 0 && start+written != total:
		return false, true, fmt.Errorf("connection closed at byte %d of %d", start+written, total)
	}
	return true, false, nil
}

// get sends the GET request for u from byte offset have, through hc, which
// adds the credentials on their own origin only.
func (s *Stager) get(ctx context.Context, hc *http.Client, u *url.URL, src Source, have int64) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	if src.UserAgent != "" {
		req.Header.Set("User-Agent", src.UserAgent)
	}
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, redactURLError(err)
	}
	return resp, nil
}

// copy appends body to f, refusing more than Limits.MaxArchive bytes in all,
// and cancels the request when nothing arrives for IdleTimeout.
func (s *Stager) copy(ctx context.Context, cancel func(), f io.Writer, body io.Reader, start, total int64, progress Progress) (int64, error) {
	idle := time.AfterFunc(s.p.IdleTimeout, cancel)
	defer idle.Stop()
	buf := make([]byte, 64<<10)
	var written int64
	for {
		n, err := body.Read(buf)
		if n > 0 {
			idle.Reset(s.p.IdleTimeout)
			if start+written+int64(n) > s.p.Limits.MaxArchive {
				return written, invalid("more than the %d bytes allowed", s.p.Limits.MaxArchive)
			}
			if _, werr := f.Write(buf[:n]); werr != nil {
				return written, werr
			}
			written += int64(n)
			progress(start+written, total)
		}
		if err == io.EOF {
			return written, nil
		}
		if err != nil {
			if ctx.Err() != nil && errors.Is(err, context.Canceled) {
				return written, fmt.Errorf("nothing received for %s", s.p.IdleTimeout)
			}
			return written, redactURLError(err)
		}
	}
}

func (s *Stager) size(p string) (int64, error) {
	fi, err := s.p.Fs.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("stat %s: %w", p, err)
	}
	return fi.Size(), nil
}

// truncate empties part so that the next attempt starts over, and returns
// why.
func (s *Stager) truncate(part string, why error) error {
	if err := s.p.Fs.Remove(part); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%v; and removing %s failed: %w", why, part, err)
	}
	return why
}

// Copy stages the archive at path in from (a file a person picked).
func (s *Stager) Copy(ctx context.Context, key string, from afero.Fs, p string) (Staged, error) {
	return s.CopyWithProgress(ctx, key, from, p, nil)
}

// CopyWithProgress is Copy telling progress how many bytes of the file's
// size are in.
func (s *Stager) CopyWithProgress(ctx context.Context, key string, from afero.Fs, p string, progress Progress) (Staged, error) {
	if progress == nil {
		progress = func(int64, int64) {}
	}
	src, err := from.Open(p)
	if err != nil {
		return Staged{}, fmt.Errorf("stage firmware %s: %w", p, err)
	}
	defer src.Close()
	total := int64(-1)
	if fi, err := src.Stat(); err == nil {
		if fi.Size() > s.p.Limits.MaxArchive {
			return Staged{}, fmt.Errorf("stage firmware %s: %w", p, invalid("%d bytes is more than the %d allowed", fi.Size(), s.p.Limits.MaxArchive))
		}
		total = fi.Size()
	}
	name := fileName(filepath.Base(p))
	dir := s.deviceDir(key)
	part := filepath.Join(dir, "."+name+"."+shortHash("file:"+p)+".part")
	release, err := s.claim(part)
	if err != nil {
		return Staged{}, err
	}
	defer release()
	if err := s.p.Fs.MkdirAll(dir, 0o700); err != nil {
		return Staged{}, fmt.Errorf("stage firmware: create %s: %w", dir, err)
	}
	f, err := s.p.Fs.OpenFile(part, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return Staged{}, fmt.Errorf("stage firmware: %w", err)
	}
	outer := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	_, err = s.copy(ctx, cancel, f, &ctxReader{ctx: ctx, r: src}, 0, total, progress)
	if outer.Err() != nil {
		err = outer.Err() // the caller cancelled: not an idle source
	}
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = s.p.Fs.Remove(part)
		return Staged{}, fmt.Errorf("stage firmware %s: %w", p, err)
	}
	st, err := s.finish(ctx, part, filepath.Join(dir, name), p)
	if err != nil {
		return Staged{}, fmt.Errorf("stage firmware %s: %w", p, err)
	}
	return st, nil
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

type checkKey struct{}

// withCheck makes the Stager run check on the archive's description before a
// file counts as staged, and refuse it (removing it) when check fails.
func withCheck(ctx context.Context, check func(Info) error) context.Context {
	return context.WithValue(ctx, checkKey{}, check)
}

// finish hashes and checks the complete temporary file, renames it to final
// (replacing an older file of that name), and verifies the renamed file: its
// hash again, and the archive's members. A file that fails is removed.
func (s *Stager) finish(ctx context.Context, part, final, source string) (Staged, error) {
	sum, size, err := s.hash(part)
	if err != nil {
		return Staged{}, err
	}
	a, err := s.open(part, size)
	if err == nil {
		if check, ok := ctx.Value(checkKey{}).(func(Info) error); ok {
			err = check(a.Info)
		}
	}
	if err != nil {
		// Before the rename: a file staged before under the same name stays.
		_ = s.p.Fs.Remove(part)
		return Staged{}, err
	}
	if err := s.p.Fs.Rename(part, final); err != nil {
		return Staged{}, fmt.Errorf("rename %s to %s: %w", part, final, err)
	}
	again, _, err := s.hash(final)
	if err == nil && again != sum {
		err = fmt.Errorf("%s changed while it was being staged (SHA-256 %s, then %s)", final, sum, again)
	}
	if err == nil {
		a, err = s.open(final, size)
	}
	if err != nil {
		_ = s.p.Fs.Remove(final)
		return Staged{}, err
	}
	st := Staged{Path: final, Size: size, SHA256: sum, Info: a.Info, Source: source, StagedAt: s.p.Clock.Now()}
	s.p.Logger.Info("firmware staged", "file", final, "version", st.Info.Version, "bytes", size, "sha256", sum, "source", source)
	return st, nil
}

// Verify checks a staged file again before it is used: its SHA-256 must
// still be sum, and its archive valid. It returns the opened archive; close
// it with the returned func.
func (s *Stager) Verify(p, sum string) (*Archive, func(), error) {
	got, size, err := s.hash(p)
	if err != nil {
		return nil, nil, err
	}
	if sum != "" && got != sum {
		return nil, nil, fmt.Errorf("%s changed since it was staged (SHA-256 %s, staged %s)", p, got, sum)
	}
	f, err := s.p.Fs.Open(p)
	if err != nil {
		return nil, nil, err
	}
	a, err := OpenArchive(f, size, s.p.Limits)
	if err == nil {
		err = a.Verify()
	}
	if err == nil {
		err = a.CheckCRCs()
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return a, func() { f.Close() }, nil
}

// open opens and fully verifies the archive at p, then closes it.
func (s *Stager) open(p string, size int64) (*Archive, error) {
	f, err := s.p.Fs.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := OpenArchive(f, size, s.p.Limits)
	if err != nil {
		return nil, err
	}
	if err := a.Verify(); err != nil {
		return nil, err
	}
	return a, a.CheckCRCs()
}

func (s *Stager) hash(p string) (string, int64, error) {
	f, err := s.p.Fs.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(f, s.p.Limits.MaxArchive+1))
	if err != nil {
		return "", 0, fmt.Errorf("read %s: %w", p, err)
	}
	if n > s.p.Limits.MaxArchive {
		return "", 0, invalid("%d bytes is more than the %d allowed", n, s.p.Limits.MaxArchive)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Remove deletes a staged file.
func (s *Stager) Remove(p string) error {
	if err := s.p.Fs.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove staged firmware %s: %w", p, err)
	}
	return nil
}

// Exists tells whether a staged file is still there.
func (s *Stager) Exists(p string) bool {
	ok, err := afero.Exists(s.p.Fs, p)
	return ok && err == nil
}

func (s *Stager) deviceDir(key string) string { return filepath.Join(s.p.Dir, fileName(key)) }

// replaceUnsafe replaces every run of bytes outside [A-Za-z0-9._-] by one
// "_" (a plain scan: a regular expression would be compiled at package
// initialisation, which every command would pay for).
func replaceUnsafe(s string) string {
	b := make([]byte, 0, len(s))
	inRun := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-' {
			b = append(b, c)
			inRun = false
		} else if !inRun {
			b = append(b, '_')
			inRun = true
		}
	}
	return string(b)
}

// fileName makes s safe as one file name: no separators, no leading dot.
func fileName(s string) string {
	s = strings.TrimLeft(replaceUnsafe(s), ".")
	if s == "" || s == "_" {
		return "firmware.zip"
	}
	if len(s) > 100 {
		s = s[len(s)-100:]
	}
	return s
}

func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}

// contentRange parses "bytes 100-199/1000" (size -1 for "*") and
// "bytes */1000" (from -1).
func contentRange(v string) (from, size int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(v), "bytes ")
	if !found {
		return 0, 0, false
	}
	rng, total, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, false
	}
	size = -1
	if total != "*" {
		n, err := strconv.ParseInt(total, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false
		}
		size = n
	}
	if rng == "*" {
		return -1, size, true
	}
	a, _, found := strings.Cut(rng, "-")
	n, err := strconv.ParseInt(a, 10, 64)
	if !found || err != nil || n < 0 {
		return 0, 0, false
	}
	return n, size, true
}

// redactURLError masks the credentials and query values in the URL of a
// *url.Error, which net/http puts in its messages.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: config.Redact(ue.URL), Err: ue.Err}
	}
	return err
}
