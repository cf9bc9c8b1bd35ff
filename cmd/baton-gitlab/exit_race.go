package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/spf13/viper"
	"go.uber.org/zap"
)

// A failed one-shot run must never end with exit code 0.
//
// baton-sdk v0.25.0's runner ends a failed one-shot run by logging the error ("runner:
// error processing on-demand task", pkg/connectorrunner/runner.go) and returning it; its
// deferred cancel then kills the connector subprocess, and the goroutine that waits for
// that subprocess calls os.Exit(0) ("connector service quit expectedly",
// internal/connector/connector.go). That exit races main's exit with the error's code:
// on a busy machine it sometimes wins, and a failed run looks like a success. The error
// is logged before the race starts, so a log sink that sees that entry ends the process
// there, with the one clean line and the error's code (errors.go).
//
// The sink is added to the default log outputs (stderr and this sink). A run that sets
// --log-path chooses its own outputs and keeps the SDK's behaviour.

// failureSinkScheme names the sink in the SDK's log-path setting.
const failureSinkScheme = "baton-gitlab-failure"

// oneShotFailure is the message the SDK's runner logs a failed one-shot task with.
const oneShotFailure = "runner: error processing on-demand task"

var registerFailureSink sync.Once

// installFailureSink registers the sink with zap and makes it a default log output.
func installFailureSink(v *viper.Viper) {
	registerFailureSink.Do(func() {
		_ = zap.RegisterSink(failureSinkScheme, func(*url.URL) (zap.Sink, error) {
			return &failureSink{exit: func(err error) { exitWithError(os.Stderr, err) }}, nil
		})
	})
	v.SetDefault("log-path", []string{"stderr", failureSinkScheme + "://"})
}

// failureSink reads the log stream (JSON or console format) and calls exit with the
// error of a failed one-shot task.
type failureSink struct {
	mu   sync.Mutex
	buf  []byte
	exit func(error)
}

func (s *failureSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.buf = append(s.buf, p...)
	for {
		i := bytes.IndexByte(s.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(s.buf[:i])
		s.buf = s.buf[i+1:]
		if err := oneShotError(line); err != nil {
			s.exit(err)
		}
	}
}

func (s *failureSink) Sync() error  { return nil }
func (s *failureSink) Close() error { return nil }

// oneShotError is the error of a log line reporting a failed one-shot task, nil for any
// other line. JSON lines are one object; console lines end with their fields as one.
func oneShotError(line string) error {
	at := strings.Index(line, oneShotFailure)
	if at < 0 {
		return nil
	}
	var fields struct {
		Msg   string `json:"msg"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(line), &fields); err != nil || fields.Msg != oneShotFailure {
		fields.Error = ""
		if brace := strings.Index(line[at:], "{"); brace >= 0 {
			_ = json.Unmarshal([]byte(line[at+brace:]), &fields)
		}
	}
	if fields.Error == "" {
		fields.Error = oneShotFailure
	}
	return errors.New(fields.Error)
}
