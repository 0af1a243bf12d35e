// Command analyticssink is a throwaway analytics endpoint for
// scripts/screenshots.sh: it prints its base URL, then answers every POST
// with 200, except under /strict, where the event types given with --refuse
// get 400 "unknown event type" (so Earshot parks them).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	refuse := flag.String("refuse", "PeopleCount", "comma-separated event types /strict refuses")
	flag.Parse()
	refused := strings.Split(*refuse, ",")
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	os.Stdout.Sync()
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var ev struct{ EventType string }
		_ = json.Unmarshal(body, &ev)
		if strings.HasPrefix(r.URL.Path, "/strict") && slices.Contains(refused, ev.EventType) {
			http.Error(w, "unknown event type "+ev.EventType, http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusOK)
	})))
}
