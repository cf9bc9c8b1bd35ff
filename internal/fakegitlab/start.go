package fakegitlab

import (
	"net/http/httptest"
	"testing"
)

// Serve starts the server on a loopback port. The returned URL is the instance URL
// (what users type as the GitLab URL: the API lives under URL + "/api/v4").
func (s *Server) Serve() (url string, stop func()) {
	ts := httptest.NewServer(s)
	return ts.URL, ts.Close
}

// StartForTest serves w for the length of a test and returns the server and its URL.
func StartForTest(t testing.TB, w *World, opts Options) (*Server, string) {
	t.Helper()
	s := New(w, opts)
	u, stop := s.Serve()
	t.Cleanup(stop)
	return s, u
}
