package firmware

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fetchFTP retrieves the file of an ftp:// URL from byte offset on, over a
// passive-mode binary transfer (RFC 959, EPSV of RFC 2428, REST of RFC
// 3659). It logs in with the URL's user and password, else anonymously. It
// returns the data stream and the file's size (-1 when the server does not
// say).
func (s *Stager) fetchFTP(ctx context.Context, u *url.URL, offset int64) (io.ReadCloser, int64, error) {
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "21")
	}
	d := net.Dialer{Timeout: 30 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, -1, fmt.Errorf("ftp: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	fail := func(err error) (io.ReadCloser, int64, error) {
		stop()
		conn.Close()
		return nil, -1, fmt.Errorf("ftp %s: %w", u.Host, err)
	}
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	tp := textproto.NewConn(conn)
	if _, _, err := tp.ReadResponse(220); err != nil {
		return fail(err)
	}
	user, pass := "anonymous", "earshot@"
	if u.User != nil {
		user = u.User.Username()
		if p, ok := u.User.Password(); ok {
			pass = p
		}
	}
	code, _, err := cmd(tp, 0, "USER %s", user)
	if err != nil {
		return fail(err)
	}
	if code == 331 {
		if _, _, err := cmd(tp, 230, "PASS %s", pass); err != nil {
			return fail(errors.New("login refused"))
		}
	} else if code != 230 {
		return fail(fmt.Errorf("USER answered %d", code))
	}
	if _, _, err := cmd(tp, 200, "TYPE I"); err != nil {
		return fail(err)
	}
	file := u.Path
	size := int64(-1)
	if code, msg, err := cmd(tp, 0, "SIZE %s", file); err == nil && code == 213 {
		if n, err := strconv.ParseInt(strings.TrimSpace(msg), 10, 64); err == nil {
			size = n
		}
	}
	dataAddr, err := passive(tp, conn)
	if err != nil {
		return fail(err)
	}
	data, err := d.DialContext(ctx, "tcp", dataAddr)
	if err != nil {
		return fail(err)
	}
	if offset > 0 {
		if _, _, err := cmd(tp, 350, "REST %d", offset); err != nil {
			data.Close()
			return fail(err)
		}
	}
	if code, msg, err := cmd(tp, 0, "RETR %s", file); err != nil || (code != 125 && code != 150) {
		data.Close()
		if err == nil {
			err = fmt.Errorf("RETR answered %d %s", code, msg)
		}
		return fail(err)
	}
	_ = conn.SetDeadline(time.Time{})
	return &ftpBody{data: data, ctrl: conn, tp: tp, stop: stop}, size, nil
}

// cmd sends a command and reads the answer; want 0 accepts any code.
func cmd(tp *textproto.Conn, want int, format string, args ...any) (int, string, error) {
	if err := tp.PrintfLine(format, args...); err != nil {
		return 0, "", err
	}
	code, msg, err := tp.ReadResponse(want)
	if err != nil && want == 0 {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code, te.Msg, nil
		}
	}
	return code, msg, err
}

// passive asks for a data connection: EPSV, else PASV. The data connection
// always goes to the control connection's host, whatever PASV names, so a
// server cannot point Earshot at another machine.
func passive(tp *textproto.Conn, ctrl net.Conn) (string, error) {
	host, _, _ := net.SplitHostPort(ctrl.RemoteAddr().String())
	if code, msg, err := cmd(tp, 0, "EPSV"); err == nil && code == 229 {
		// "Entering Extended Passive Mode (|||6446|)"
		if i, j := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)"); i >= 0 && j > i+4 {
			if port, err := strconv.Atoi(msg[i+4 : j]); err == nil && port > 0 && port < 65536 {
				return net.JoinHostPort(host, strconv.Itoa(port)), nil
			}
		}
	}
	_, msg, err := cmd(tp, 227, "PASV")
	if err != nil {
		return "", err
	}
	i, j := strings.Index(msg, "("), strings.Index(msg, ")")
	if i < 0 || j < i {
		return "", fmt.Errorf("PASV answer %q", msg)
	}
	parts := strings.Split(msg[i+1:j], ",")
	if len(parts) != 6 {
		return "", fmt.Errorf("PASV answer %q", msg)
	}
	hi, err1 := strconv.Atoi(strings.TrimSpace(parts[4]))
	lo, err2 := strconv.Atoi(strings.TrimSpace(parts[5]))
	if err1 != nil || err2 != nil || hi < 0 || hi > 255 || lo < 0 || lo > 255 {
		return "", fmt.Errorf("PASV answer %q", msg)
	}
	return net.JoinHostPort(host, strconv.Itoa(hi<<8|lo)), nil
}

// ftpBody is the data connection of a RETR; Close ends the session.
type ftpBody struct {
	data, ctrl net.Conn
	tp         *textproto.Conn
	stop       func() bool
	done       bool
}

func (b *ftpBody) Read(p []byte) (int, error) {
	n, err := b.data.Read(p)
	if err == io.EOF && !b.done {
		b.done = true
		// The transfer is complete only when the server says so.
		_ = b.ctrl.SetDeadline(time.Now().Add(30 * time.Second))
		if code, msg, rerr := b.tp.ReadResponse(2); rerr != nil {
			return n, fmt.Errorf("ftp transfer incomplete: %d %s: %w", code, msg, rerr)
		}
	}
	return n, err
}

func (b *ftpBody) Close() error {
	b.stop()
	b.data.Close()
	if b.done {
		_ = b.tp.PrintfLine("QUIT")
	}
	return b.ctrl.Close()
}
