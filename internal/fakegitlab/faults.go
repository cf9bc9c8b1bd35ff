package fakegitlab

// Faults configure injected latency, rate limits and failures. (Stub: the fake-GitLab
// faults work fills this in.)
type Faults struct{}

type faultState struct{ cfg Faults }

func newFaultState(f Faults) *faultState { return &faultState{cfg: f} }

// before runs ahead of a request; true means it already answered.
func (f *faultState) before(c *call, route string) bool { return false }

// after runs once the handler answered.
func (f *faultState) after(c *call, route string) {}

// mangleBody may damage a response body (truncated JSON).
func (f *faultState) mangleBody(c *call, b []byte) []byte { return b }
