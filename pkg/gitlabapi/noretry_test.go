package gitlabapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// A write sent WithoutRetryOnceSent is not repeated after a 5xx (GitLab may have applied
// it), but is after a 429 (the rate limiter answered before GitLab processed it).
func TestWithoutRetryOnceSent(t *testing.T) {
	var calls atomic.Int32
	statuses := []int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		st := http.StatusCreated
		if n < len(statuses) {
			st = statuses[n]
		}
		if st == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "0")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	defer srv.Close()
	c, err := New(context.Background(), Options{BaseURL: srv.URL, Token: "t", Deployment: SelfManaged,
		Retry: RetryPolicy{WaitMin: time.Millisecond, WaitMax: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(opts ...gitlab.RequestOptionFunc) error {
		req, err := c.API.NewRequest(http.MethodPost, "users", map[string]string{"username": "x"}, opts)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.API.Do(req, nil)
		return err
	}
	for _, tc := range []struct {
		name      string
		statuses  []int
		opts      []gitlab.RequestOptionFunc
		wantCalls int32
		wantErr   int
	}{
		{"default: a 502 is retried", []int{502}, nil, 2, 0},
		{"once sent: a 502 is not retried", []int{502}, []gitlab.RequestOptionFunc{WithoutRetryOnceSent()}, 1, 502},
		{"once sent: a 500 is not retried", []int{500}, []gitlab.RequestOptionFunc{WithoutRetryOnceSent()}, 1, 500},
		{"once sent: a 429 is retried", []int{429}, []gitlab.RequestOptionFunc{WithoutRetryOnceSent()}, 2, 0},
	} {
		calls.Store(0)
		statuses = tc.statuses
		err := post(tc.opts...)
		if got := calls.Load(); got != tc.wantCalls {
			t.Errorf("%s: %d requests, want %d", tc.name, got, tc.wantCalls)
		}
		if HTTPStatus(err) != tc.wantErr {
			t.Errorf("%s: error %v (status %d), want status %d", tc.name, err, HTTPStatus(err), tc.wantErr)
		}
	}
}

func TestCheckRetryOnceSentTransportErrors(t *testing.T) {
	ctx := context.Background()
	refused := &net.OpError{Op: "dial", Err: errors.New("connect: connection refused")}
	if retry, _ := checkRetryOnceSent(ctx, nil, refused); !retry {
		t.Error("a refused connection (nothing sent) is not retried")
	}
	if retry, _ := checkRetryOnceSent(ctx, nil, &net.OpError{Op: "read", Err: errors.New("connection reset by peer")}); retry {
		t.Error("a reset connection (maybe applied) is retried")
	}
}
