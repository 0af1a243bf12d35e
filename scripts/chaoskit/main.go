// Command chaoskit is the Go half of scripts/chaos.sh: the processes the
// script kills, fills and damages, and the checks it makes afterwards. Every
// wait in it is bounded.
//
//	chaoskit sink -log FILE               an analytics endpoint on loopback; prints its URL, logs "EventId sha256(body)"
//	chaoskit queue -db D -url U [-deliver] [-for DUR]
//	                                      queue events from 8 writers, printing "OK id hash" once each is committed and
//	                                      "REFUSED id" when the disk refused it; with -for, stop after DUR, deliver
//	                                      (bounded), and print "UNSTORED n" (the store's count of events not stored)
//	chaoskit deliver -db D -url U [-timeout T]   deliver until drained; prints DRAINED
//	chaoskit verify -sink FILE QUEUELOG...       lost = committed events never delivered; a duplicate must carry the
//	                                      same body; exits 1 when anything is lost or garbled
//	chaoskit fill -db D -url U -n N [-deliver M] -out FILE
//	                                      a database with N queued events, their ids and hashes in FILE; with -deliver, the
//	                                      first M are then delivered (deleted), as an uploader would, in batches
//	chaoskit damage -db D -expect FILE -out FILE overwrite one leaf page of events; FILE lists the events that were elsewhere
//	chaoskit cut -db D -expect FILE -keep F -out FILE
//	                                      truncate the file to the share F of its size (whole pages); FILE lists the events
//	                                      whose leaf page lies wholly before the cut
//	chaoskit survivors -db D -expect FILE [-delivered N]
//	                                      every listed event is in the database, intact; none of fill's first N is
//
// Which events must survive damage is worked out from the sound file through
// bbolt itself (liveLeaves): a value bbolt returns points into its memory
// map, so its offset names the page it lives on.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"

	"github.com/earshot-app/earshot/app/analytics"
	"github.com/earshot-app/earshot/store"
)

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: chaoskit sink|queue|deliver|verify|fill|damage|survivors …"))
	}
	var err error
	switch os.Args[1] {
	case "sink":
		err = sink(os.Args[2:])
	case "queue":
		err = queue(os.Args[2:])
	case "deliver":
		err = deliver(os.Args[2:])
	case "verify":
		err = verify(os.Args[2:])
	case "fill":
		err = fill(os.Args[2:])
	case "damage":
		err = damage(os.Args[2:])
	case "survivors":
		err = survivors(os.Args[2:])
	case "cut":
		err = cut(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "chaoskit:", err)
	os.Exit(1)
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// event is a realistic body with an id unique across processes.
func event(prefix string, n int64) store.OutboxEvent {
	id := fmt.Sprintf("%s-%012d", prefix, n)
	body := fmt.Appendf(nil, `{"EventId":%q,"EventType":"DeviceAdded","Timestamp":"2026-12-01T21:00:00.000Z","DeviceName":"Jabra Evolve2 85","VendorId":"0B0E","ProductId":"30A4","ESN":"501AA5D6337F","FirmwareVersion":"1.25.0","BatteryLevel":%d,"CallStatus":null,"PeopleCount":null}`, id, n%101)
	return store.OutboxEvent{ID: id, Type: "DeviceAdded", Body: body}
}

func sink(args []string) error {
	fs := flag.NewFlagSet("sink", flag.ExitOnError)
	logPath := fs.String("log", "", "file to append the deliveries to")
	_ = fs.Parse(args)
	f, err := os.OpenFile(*logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("http://%s/ev\n", ln.Addr())
	var mu sync.Mutex
	var n atomic.Int64
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if n.Add(1)%4 == 0 { // a flaky endpoint: every fourth POST fails
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		var id string
		if i := bytes.Index(body, []byte(`"EventId":"`)); i >= 0 {
			rest := body[i+11:]
			if j := bytes.IndexByte(rest, '"'); j >= 0 {
				id = string(rest[:j])
			}
		}
		mu.Lock()
		fmt.Fprintf(f, "%s %s\n", id, hash(body))
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
}

func openStore(path string) (*store.Store, error) {
	return store.Open(path, store.Options{AutoRepair: true, Timeout: 10 * time.Second})
}

// openUploader opens the store and an uploader to url on it, as the queue
// and deliver runs both need.
func openUploader(db, url string) (*store.Store, *analytics.Uploader, error) {
	st, err := openStore(db)
	if err != nil {
		return nil, nil, err
	}
	u, err := uploader(st, url)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, u, nil
}

// uploader registers url with st's outbox and returns its uploader.
func uploader(st *store.Store, url string) (*analytics.Uploader, error) {
	return analytics.NewUploader(context.Background(), analytics.UploaderParams{Store: st, Endpoints: []string{url},
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
}

func waitDrained(u *analytics.Uploader, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok, err := u.Drained(); err != nil {
			return err
		} else if ok {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not drained within %s", timeout)
}

func queue(args []string) error {
	fs := flag.NewFlagSet("queue", flag.ExitOnError)
	db := fs.String("db", "", "database")
	url := fs.String("url", "", "endpoint")
	withDelivery := fs.Bool("deliver", false, "deliver while queueing")
	dur := fs.Duration("for", 0, "stop queueing after this long (0: until killed)")
	most := fs.Int64("max", 0, "queue at most this many events (0: no bound)")
	_ = fs.Parse(args)
	st, u, err := openUploader(*db, *url)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runDone := make(chan struct{})
	if *withDelivery {
		go func() { _ = u.Run(ctx); close(runDone) }()
	} else {
		close(runDone)
	}
	prefix := fmt.Sprintf("chaos-%d-%d", os.Getpid(), time.Now().UnixNano()%1e6)
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	var next atomic.Int64
	stop := make(chan struct{})
	if *dur > 0 {
		time.AfterFunc(*dur, func() { close(stop) })
	}
	var wg sync.WaitGroup
	var hard atomic.Value
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				i := next.Add(1)
				if *most > 0 && i > *most {
					return
				}
				e := event(prefix, i)
				if err := e.Prepare(); err != nil {
					hard.Store(err)
					return
				}
				err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.Enqueue(e) })
				mu.Lock()
				switch {
				case err == nil:
					fmt.Fprintf(out, "OK %s %s\n", e.ID, hash(e.Body))
				case errors.Is(err, store.ErrStorage):
					fmt.Fprintf(out, "REFUSED %s\n", e.ID)
				default:
					hard.Store(err)
				}
				out.Flush()
				mu.Unlock()
				if err != nil && !errors.Is(err, store.ErrStorage) {
					return
				}
				if err != nil {
					time.Sleep(2 * time.Millisecond) // the disk is full: do not spin
				}
			}
		})
	}
	wg.Wait()
	if err, _ := hard.Load().(error); err != nil {
		return err
	}
	// -for: deliver what is queued (which frees pages, so the count of
	// events not stored reaches the file), then report it.
	if !*withDelivery {
		runDone = make(chan struct{})
		go func() { _ = u.Run(ctx); close(runDone) }()
	}
	derr := waitDrained(u, 90*time.Second)
	cancel()
	<-runDone
	ob, err := st.OutboxStatus()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "UNSTORED %d\n", ob.Unstored)
	out.Flush()
	return derr
}

func deliver(args []string) error {
	fs := flag.NewFlagSet("deliver", flag.ExitOnError)
	db := fs.String("db", "", "database")
	url := fs.String("url", "", "endpoint")
	timeout := fs.Duration("timeout", 120*time.Second, "give up after")
	_ = fs.Parse(args)
	st, u, err := openUploader(*db, *url)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = u.Run(ctx); close(done) }()
	err = waitDrained(u, *timeout)
	cancel()
	<-done
	if err != nil {
		return err
	}
	fmt.Println("DRAINED")
	return nil
}

// readLog reads "KIND id hash" or "id hash" lines.
func readLines(path string) ([][]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, f)
		}
	}
	return out, nil
}

func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	sinkLog := fs.String("sink", "", "the sink's log")
	_ = fs.Parse(args)
	committed := map[string]string{}
	refused, unstored := 0, -1
	for _, p := range fs.Args() {
		lines, err := readLines(p)
		if err != nil {
			return err
		}
		for _, f := range lines {
			switch {
			case f[0] == "OK" && len(f) == 3:
				committed[f[1]] = f[2]
			case f[0] == "REFUSED" && len(f) == 2:
				refused++
			case f[0] == "UNSTORED" && len(f) == 2:
				fmt.Sscan(f[1], &unstored)
			}
		}
	}
	lines, err := readLines(*sinkLog)
	if err != nil {
		return err
	}
	delivered := map[string]string{}
	dups, garbled := 0, 0
	for _, f := range lines {
		if len(f) != 2 {
			garbled++
			continue
		}
		if h, ok := delivered[f[0]]; ok {
			dups++
			if h != f[1] {
				garbled++
			}
		}
		delivered[f[0]] = f[1]
		if h, ok := committed[f[0]]; ok && h != f[1] {
			garbled++
		}
	}
	lost := 0
	for id := range committed {
		if _, ok := delivered[id]; !ok {
			lost++
		}
	}
	fmt.Printf("committed %d, delivered %d distinct, duplicates (same EventId, same body) %d, garbled %d, lost %d", len(committed), len(delivered), dups, garbled, lost)
	if refused > 0 || unstored >= 0 {
		fmt.Printf(", refused by the disk %d, counted as not stored %d, lost without a count %d", refused, unstored, max(refused-unstored, 0))
	}
	fmt.Println()
	if lost > 0 || garbled > 0 || (unstored >= 0 && unstored != refused) {
		return errors.New("events were lost or garbled")
	}
	return nil
}

func fill(args []string) error {
	fs := flag.NewFlagSet("fill", flag.ExitOnError)
	db := fs.String("db", "", "database")
	url := fs.String("url", "http://127.0.0.1:9/ev", "endpoint")
	n := fs.Int("n", 3000, "events")
	delivered := fs.Int("deliver", 0, "deliver (delete) the first this many")
	outPath := fs.String("out", "", "ids and hashes")
	_ = fs.Parse(args)
	st, err := store.Open(*db, store.Options{})
	if err != nil {
		return err
	}
	if _, err := uploader(st, *url); err != nil {
		return err
	}
	var b strings.Builder
	// In transactions of 50, as a service queues: many commits, so bbolt
	// moves the tree's pages around the file and frees old copies.
	for i := 0; i < *n; i += 50 {
		var evs []store.OutboxEvent
		for j := i; j < min(i+50, *n); j++ {
			e := event("fill", int64(j+1))
			evs = append(evs, e)
			fmt.Fprintf(&b, "%s %s\n", e.ID, hash(e.Body))
		}
		// With a device's state, as the service writes them together.
		dev := store.DeviceRecord{Key: fmt.Sprintf("HS%d", i/50%7), Kind: "headset", Name: "Jabra Evolve2 85"}
		err := st.Write(context.Background(), func(tx *store.Tx) error {
			if err := tx.SaveDevice(dev, time.Now()); err != nil {
				return err
			}
			return tx.Enqueue(evs...)
		})
		if err != nil {
			return err
		}
	}
	if *delivered > 0 {
		ob, err := st.OutboxStatus()
		if err != nil || len(ob.Endpoints) != 1 {
			return fmt.Errorf("outbox: %d endpoints, %v", len(ob.Endpoints), err)
		}
		id := ob.Endpoints[0].ID
		// In batches, as the uploader delivers: many transactions, many
		// freed pages holding copies of delivered events.
		for upTo := min(100, *delivered); ; upTo = min(upTo+100, *delivered) {
			if err := st.Write(context.Background(), func(tx *store.Tx) error { return tx.AdvanceOutbox(id, uint64(upTo), 100) }); err != nil {
				return err
			}
			if upTo == *delivered {
				break
			}
		}
	}
	if err := st.Close(); err != nil {
		return err
	}
	return os.WriteFile(*outPath, []byte(b.String()), 0o600)
}

// damage overwrites one leaf page holding events (in the middle of them)
// with random bytes, and lists the events whose stored value was elsewhere.
func damage(args []string) error {
	fs := flag.NewFlagSet("damage", flag.ExitOnError)
	db := fs.String("db", "", "database")
	expect := fs.String("expect", "", "fill's list")
	outPath := fs.String("out", "", "events that must survive")
	_ = fs.Parse(args)
	raw, err := os.ReadFile(*db)
	if err != nil {
		return err
	}
	live, ps, err := liveLeaves(*db)
	if err != nil {
		return err
	}
	var leaves []int64
	seen := map[int64]bool{}
	for _, sp := range live {
		if !seen[sp.first] {
			seen[sp.first] = true
			leaves = append(leaves, sp.first)
		}
	}
	if len(leaves) < 3 {
		return fmt.Errorf("only %d leaf pages of events", len(leaves))
	}
	slices.Sort(leaves)
	victim := leaves[len(leaves)/2]
	from, to := victim*ps, (victim+1)*ps
	lines, err := readLines(*expect)
	if err != nil {
		return err
	}
	var keep strings.Builder
	lostHere := 0
	for _, f := range lines {
		sp, ok := live[f[0]]
		if !ok {
			continue // delivered: not queued
		}
		if sp.first <= victim && victim <= sp.last {
			lostHere++
			continue
		}
		fmt.Fprintf(&keep, "%s %s\n", f[0], f[1])
	}
	r := rand.New(rand.NewPCG(uint64(victim), 7))
	for i := from; i < to && i < int64(len(raw)); i++ {
		raw[i] = byte(r.UintN(256))
	}
	if err := os.WriteFile(*db, raw, 0o600); err != nil {
		return err
	}
	fmt.Printf("page %d overwritten; %d events lived there\n", victim, lostHere)
	return os.WriteFile(*outPath, []byte(keep.String()), 0o600)
}

func survivors(args []string) error {
	fs := flag.NewFlagSet("survivors", flag.ExitOnError)
	db := fs.String("db", "", "database")
	expect := fs.String("expect", "", "events that must be there")
	delivered := fs.Int("delivered", 0, "fill's first this many were delivered: none may come back")
	_ = fs.Parse(args)
	st, err := store.Open(*db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	got := map[string]string{}
	var after uint64
	for {
		batch, err := st.OutboxEvents(after, 1000)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			break
		}
		for _, q := range batch {
			if q.Err == nil {
				got[q.ID] = hash(q.Body)
			}
			after = q.Seq
		}
	}
	lines, err := readLines(*expect)
	if err != nil {
		return err
	}
	missing := 0
	for _, f := range lines {
		if got[f[0]] != f[1] {
			missing++
		}
	}
	back := 0
	for n := 1; n <= *delivered; n++ {
		if _, ok := got[event("fill", int64(n)).ID]; ok {
			back++
		}
	}
	fmt.Printf("undamaged events %d, kept intact %d, missing %d; delivered events back in the queue %d\n", len(lines), len(lines)-missing, missing, back)
	if missing > 0 {
		return errors.New("the repair lost undamaged events")
	}
	if back > 0 {
		return errors.New("the repair brought delivered events back")
	}
	return nil
}

// cut truncates the database to a share of its size, in whole pages, and
// lists the events whose leaf page lies wholly before the cut.
func cut(args []string) error {
	fs := flag.NewFlagSet("cut", flag.ExitOnError)
	db := fs.String("db", "", "database")
	expect := fs.String("expect", "", "fill's list")
	keepShare := fs.Float64("keep", 0.5, "share of the file to keep")
	outPath := fs.String("out", "", "events that must survive")
	_ = fs.Parse(args)
	live, ps, err := liveLeaves(*db)
	if err != nil {
		return err
	}
	used, err := usedSize(*db)
	if err != nil {
		return err
	}
	// A share of what the file uses (bbolt grows the file ahead of its
	// pages), so that every cut takes pages away.
	size := int64(float64(used)**keepShare) / ps * ps
	lines, err := readLines(*expect)
	if err != nil {
		return err
	}
	var keep strings.Builder
	whole := 0
	for _, f := range lines {
		if sp, ok := live[f[0]]; ok && (sp.last+1)*ps <= size {
			whole++
			fmt.Fprintf(&keep, "%s %s\n", f[0], f[1])
		}
	}
	if err := os.Truncate(*db, size); err != nil {
		return err
	}
	fmt.Printf("cut to %d of the %d bytes in use; %d of %d queued events lived on pages wholly before the cut\n", size, used, whole, len(live))
	return os.WriteFile(*outPath, []byte(keep.String()), 0o600)
}

// usedSize is the bytes of the database's pages in use (its high-water
// mark), as bbolt reports it.
func usedSize(path string) (int64, error) {
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var n int64
	err = db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n, err
}

// leafSpan is the pages of the leaf (with its overflow) a value lives on.
type leafSpan struct{ first, last int64 }

// liveLeaves maps each queued event's EventId to the leaf page it lives on
// in the sound database at path, found through bbolt: a value it returns
// points into its memory map, and the leaf is the nearest page at or before
// that offset whose header names it as one.
func liveLeaves(path string) (map[string]leafSpan, int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, err
	}
	db, err := bolt.Open(path, 0o400, &bolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return nil, 0, err
	}
	defer db.Close()
	ps := int64(db.Info().PageSize)
	base := db.Info().Data
	out := map[string]leafSpan{}
	err = db.View(func(tx *bolt.Tx) error {
		ob := tx.Bucket([]byte("outbox"))
		if ob == nil || ob.Bucket([]byte("events")) == nil {
			return errors.New("no outbox/events bucket")
		}
		c := ob.Bucket([]byte("events")).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			id, ok := packedID(v)
			if !ok {
				return fmt.Errorf("event %x cannot be read", k)
			}
			off := int64(uintptr(unsafe.Pointer(unsafe.SliceData(v))) - base)
			for p := off / ps; p >= 2; p-- {
				h := raw[p*ps:]
				over := int64(binary.LittleEndian.Uint32(h[12:]))
				if int64(binary.LittleEndian.Uint64(h)) == p && binary.LittleEndian.Uint16(h[8:]) == 0x02 && p+over >= off/ps {
					out[id] = leafSpan{p, p + over}
					break
				}
			}
		}
		return nil
	})
	return out, ps, err
}

// packedID reads the EventId of a stored event: 01 | uvarint length | id …
// (docs/analytics.md and the store's layout).
func packedID(v []byte) (string, bool) {
	if len(v) < 2 || v[0] != 1 {
		return "", false
	}
	n, k := binary.Uvarint(v[1:])
	if k <= 0 || n > uint64(len(v)-1-k) {
		return "", false
	}
	return string(v[1+k : 1+k+int(n)]), true
}
