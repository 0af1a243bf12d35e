package firmware

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"

	"github.com/earshot-app/earshot/app/firmware/firmwaretest"
)

// ftpServer is a tiny passive-mode FTP server for one file, for tests.
type ftpServer struct {
	ln     net.Listener
	data   []byte
	dropAt int  // the first RETR closes its data connection after this many bytes
	noEPSV bool // answer EPSV with 500, so PASV is used

	mu      sync.Mutex
	rests   []int64
	logins  []string
	dropped bool
}

func startFTP(t *testing.T, data []byte) *ftpServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &ftpServer{ln: ln, data: data}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *ftpServer) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(format string, args ...any) { fmt.Fprintf(c, format+"\r\n", args...) }
	say("220 test ftp")
	var dataLn net.Listener
	var rest int64
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch strings.ToUpper(verb) {
		case "USER":
			s.mu.Lock()
			s.logins = append(s.logins, arg)
			s.mu.Unlock()
			say("331 password please")
		case "PASS":
			say("230 in")
		case "TYPE":
			say("200 binary")
		case "SIZE":
			say("213 %d", len(s.data))
		case "EPSV", "PASV":
			if s.noEPSV && verb == "EPSV" {
				say("500 no")
				continue
			}
			dataLn, _ = net.Listen("tcp", "127.0.0.1:0")
			port := dataLn.Addr().(*net.TCPAddr).Port
			if verb == "EPSV" {
				say("229 Entering Extended Passive Mode (|||%d|)", port)
			} else {
				// Names another host: the client must ignore it.
				say("227 Entering Passive Mode (10,9,8,7,%d,%d)", port>>8, port&0xff)
			}
		case "REST":
			rest, _ = strconv.ParseInt(arg, 10, 64)
			s.mu.Lock()
			s.rests = append(s.rests, rest)
			s.mu.Unlock()
			say("350 restarting")
		case "RETR":
			say("150 sending")
			dc, err := dataLn.Accept()
			dataLn.Close()
			if err != nil {
				return
			}
			s.mu.Lock()
			drop := s.dropAt > 0 && !s.dropped
			s.dropped = s.dropped || drop
			s.mu.Unlock()
			body := s.data[rest:]
			if drop {
				dc.Write(body[:s.dropAt-int(rest)])
				dc.Close()
				say("426 connection closed; transfer aborted")
				return
			}
			dc.Write(body)
			dc.Close()
			say("226 done")
			rest = 0
		case "QUIT":
			say("221 bye")
			return
		default:
			say("502 %s not implemented", verb)
		}
	}
}

func TestDownloadFTP(t *testing.T) {
	archive := firmwaretest.Archive("2.0.0", pids, 150_000)
	for _, tc := range []struct {
		name   string
		dropAt int
		noEPSV bool
		user   string
	}{
		{name: "in one go, anonymously"},
		{name: "resumed with REST", dropAt: 60_000},
		{name: "PASV, with the URL's user", noEPSV: true, user: "fw:pw@"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFTP(t, archive)
			srv.dropAt, srv.noEPSV = tc.dropAt, tc.noEPSV
			s := newTestStager(afero.NewMemMapFs())
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			st, err := s.Download(ctx, "K", Source{URL: "ftp://" + tc.user + srv.ln.Addr().String() + "/pub/fw.zip"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if st.SHA256 != sha(archive) {
				t.Fatal("wrong content")
			}
			srv.mu.Lock()
			defer srv.mu.Unlock()
			if tc.dropAt > 0 && (len(srv.rests) != 1 || srv.rests[0] != int64(tc.dropAt)) {
				t.Errorf("REST = %v, want [%d]", srv.rests, tc.dropAt)
			}
			wantUser := "anonymous"
			if tc.user != "" {
				wantUser = "fw"
			}
			if srv.logins[0] != wantUser {
				t.Errorf("USER %q, want %q", srv.logins[0], wantUser)
			}
			if strings.Contains(st.Source, "pw") {
				t.Errorf("source shows the password: %s", st.Source)
			}
		})
	}
}
