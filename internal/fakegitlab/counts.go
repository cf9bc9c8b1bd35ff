package fakegitlab

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"sync"
)

// counter counts API requests per route ("GET /groups/:id/members") and per status.
// Requests that match no route count as "unknown". Every request the server receives
// under /api/v4 counts, including the ones the fault layer answers (429, 5xx).
type counter struct {
	mu       sync.Mutex
	routes   map[string]int
	statuses map[int]int
	total    int
}

func newCounter() *counter {
	return &counter{routes: map[string]int{}, statuses: map[int]int{}}
}

func (k *counter) add(route string, status int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.routes[route]++
	k.statuses[status]++
	k.total++
}

func (k *counter) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.routes = map[string]int{}
	k.statuses = map[int]int{}
	k.total = 0
}

// Counts returns the number of API requests per route name, "METHOD /pattern" with the
// pattern relative to /api/v4 (e.g. "GET /groups/:id/members").
func (s *Server) Counts() map[string]int {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	return maps.Clone(s.counts.routes) // never nil: newCounter and reset make the maps
}

// StatusCounts returns the number of API responses per HTTP status.
func (s *Server) StatusCounts() map[int]int {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	return maps.Clone(s.counts.statuses)
}

// TotalRequests is the number of API requests served since the start or the last reset.
func (s *Server) TotalRequests() int {
	s.counts.mu.Lock()
	defer s.counts.mu.Unlock()
	return s.counts.total
}

// ResetCounts sets every count back to zero.
func (s *Server) ResetCounts() { s.counts.reset() }

// CountsReport is the JSON of GET /-/fake/counts.
type CountsReport struct {
	Total    int            `json:"total"`
	Routes   map[string]int `json:"routes"`
	Statuses map[string]int `json:"statuses"`
}

// serveControl serves the fake's own endpoints, outside GitLab's API (no token needed,
// not counted, no faults):
//
//	GET  /-/fake/counts        request counts as CountsReport
//	POST /-/fake/counts/reset  zero them (204)
//	GET  /-/fake/faults        the current faults (FaultsJSON)
//	PUT  /-/fake/faults        replace them (FaultsJSON body)
//	GET  /-/fake/graphql       the GraphQL options (GraphQLOptionsJSON); PUT replaces them
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/-/fake/faults":
		s.serveFaults(w, r)
	case r.URL.Path == "/-/fake/graphql": // graphql.go: GET and PUT the GraphQLOptions
		s.serveGraphQLControl(w, r)
	case r.URL.Path == "/-/fake/counts" && r.Method == http.MethodGet:
		rep := CountsReport{Total: s.TotalRequests(), Routes: s.Counts(), Statuses: map[string]int{}}
		for st, n := range s.StatusCounts() {
			rep.Statuses[strconv.Itoa(st)] = n
		}
		b, _ := json.MarshalIndent(rep, "", "  ")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(b, '\n'))
	case r.URL.Path == "/-/fake/counts/reset" && r.Method == http.MethodPost:
		s.ResetCounts()
		w.WriteHeader(http.StatusNoContent)
	case r.URL.Path == "/-/fake/counts" || r.URL.Path == "/-/fake/counts/reset":
		w.Header().Set("Allow", map[bool]string{true: "GET", false: "POST"}[r.URL.Path == "/-/fake/counts"])
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}
