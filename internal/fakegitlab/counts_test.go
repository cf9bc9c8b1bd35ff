package fakegitlab

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

func TestCountsPerRoute(t *testing.T) {
	clock := &fltClock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	s, url := StartForTest(t, DemoWorld(ModeSelfManaged), Options{
		Mode: ModeSelfManaged, Token: fltToken,
		Faults: Faults{RouteRateLimits: map[string]int{"GET /user": 1}, Clock: clock.Now},
	})
	client := fltClient(t, url)
	for i := 0; i < 2; i++ {
		if _, _, err := client.Version.GetVersion(); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := client.Users.GetUser(DemoUserBob, gitlab.GetUsersOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Users.GetUser(DemoUserAlice, gitlab.GetUsersOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Users.CurrentUser(); err != nil {
		t.Fatal(err)
	}
	// Throttled requests count too.
	if _, resp, _ := client.Users.CurrentUser(); resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("want 429, got %v", resp)
	}
	// A path no route serves counts as "unknown".
	if st, _, _ := fltGet(t, url+"/api/v4/no/such/thing"); st != http.StatusNotFound {
		t.Fatalf("status %d", st)
	}

	want := map[string]int{
		"GET /version":   2,
		"GET /users/:id": 2,
		"GET /user":      2,
		"unknown":        1,
	}
	if got := s.Counts(); !reflect.DeepEqual(got, want) {
		t.Errorf("Counts() = %v, want %v", got, want)
	}
	if got := s.TotalRequests(); got != 7 {
		t.Errorf("TotalRequests() = %d, want 7", got)
	}
	if got := s.StatusCounts(); !reflect.DeepEqual(got, map[int]int{200: 5, 429: 1, 404: 1}) {
		t.Errorf("StatusCounts() = %v", got)
	}

	s.ResetCounts()
	if got := s.TotalRequests(); got != 0 {
		t.Errorf("after reset: TotalRequests() = %d", got)
	}
	if got := s.Counts(); len(got) != 0 {
		t.Errorf("after reset: Counts() = %v", got)
	}
}

func TestCountsOverHTTP(t *testing.T) {
	s, url := StartForTest(t, DemoWorld(ModeGitLabCom), Options{Mode: ModeGitLabCom, Token: fltToken})
	client := fltClient(t, url)
	for i := 0; i < 3; i++ {
		if _, _, err := client.Version.GetVersion(); err != nil {
			t.Fatal(err)
		}
	}
	readCounts := func() CountsReport {
		t.Helper()
		// No token: the control endpoints are the fake's own, outside the API.
		resp, err := http.Get(url + "/-/fake/counts")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET /-/fake/counts: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var rep CountsReport
		if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := readCounts()
	want := CountsReport{Total: 3, Routes: map[string]int{"GET /version": 3}, Statuses: map[string]int{"200": 3}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("counts = %+v, want %+v", rep, want)
	}
	// Reading the counts is not counted.
	if rep := readCounts(); rep.Total != 3 {
		t.Errorf("control requests were counted: total %d", rep.Total)
	}

	resp, err := http.Post(url+"/-/fake/counts/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("reset: %d", resp.StatusCode)
	}
	if rep := readCounts(); rep.Total != 0 || len(rep.Routes) != 0 {
		t.Errorf("after reset: %+v", rep)
	}
	if s.TotalRequests() != 0 {
		t.Error("reset over HTTP did not reset Go counts")
	}

	// Wrong method and unknown control paths.
	resp, err = http.Get(url + "/-/fake/counts/reset")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET reset: %d, want 405", resp.StatusCode)
	}
	resp, err = http.Get(url + "/-/fake/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown control path: %d, want 404", resp.StatusCode)
	}
}
