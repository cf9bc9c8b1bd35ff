package main

import (
	"strings"
	"testing"
)

// The sink finds the failed one-shot task's error in both log formats, and nothing in
// other lines.
func TestOneShotErrorFromTheLog(t *testing.T) {
	const gitlab = `rpc error: code = FailedPrecondition desc = GitLab at http://a redirected to http://b: not followed`
	for name, line := range map[string]string{
		"json":    `{"level":"error","ts":1.5,"caller":"connectorrunner/runner.go:262","msg":"runner: error processing on-demand task","error":"runner: error processing task: ` + gitlab + `","task_id":"x"}`,
		"console": "2026-12-07T20:00:00.000Z\terror\tconnectorrunner/runner.go:262\trunner: error processing on-demand task\t{\"error\": \"runner: error processing task: " + gitlab + "\", \"task_id\": \"x\"}",
	} {
		err := oneShotError(line)
		if err == nil || !strings.HasSuffix(err.Error(), gitlab) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if msg, code := cleanError(err); code != 9 || !strings.HasPrefix(msg, "GitLab at http://a") {
			t.Errorf("%s: clean line %q code %d, want FailedPrecondition (9)", name, msg, code)
		}
	}
	for _, line := range []string{
		`{"level":"error","msg":"runner: error processing task","error":"daemon mode keeps running"}`,
		`{"level":"info","msg":"sync finished"}`,
	} {
		if err := oneShotError(line); err != nil {
			t.Errorf("%q: %v, want nothing", line, err)
		}
	}
}

// Lines may arrive in pieces; each complete line is read once.
func TestFailureSinkReadsWholeLines(t *testing.T) {
	var got []error
	s := &failureSink{exit: func(err error) { got = append(got, err) }}
	line := `{"msg":"runner: error processing on-demand task","error":"boom"}` + "\n"
	_, _ = s.Write([]byte(`{"msg":"other"}` + "\n" + line[:20]))
	_, _ = s.Write([]byte(line[20:]))
	if len(got) != 1 || got[0].Error() != "boom" {
		t.Fatalf("exits %v, want one with boom", got)
	}
}
