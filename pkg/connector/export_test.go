package connector

// HoldsSyncState reports whether c still holds a sync's state (for the external tests).
func HoldsSyncState(c *Connector) bool {
	oc := c.orgCache()
	oc.mu.Lock()
	defer oc.mu.Unlock()
	return oc.state != nil
}
