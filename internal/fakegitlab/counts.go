package fakegitlab

import (
	"net/http"
	"sync"
)

// counter counts requests per route. (Stub: filled in by the faults/counts work.)
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounter() *counter { return &counter{n: map[string]int{}} }

func (k *counter) add(route string, status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n[route]++
}

func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
