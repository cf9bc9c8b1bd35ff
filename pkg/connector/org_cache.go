package connector

import "sync"

// Per-sync caches: values loaded once (lazy, lazyMap) and the last few nodes' access
// (nodeAccessCache).

// nodeAccessCache keeps the access of the last few nodes computed, so that listing one
// node's grants page by page computes it once. It is bounded (recentNodes entries, by
// use), so memory never grows with the number of nodes.
type nodeAccessCache struct {
	mu      sync.Mutex
	entries []nodeAccessEntry // most recent last
}

type nodeAccessEntry struct {
	node orgNode
	acc  nodeAccess
}

// recentNodes: one per SDK worker is plenty; the SDK lists a node's grant pages in order.
const recentNodes = 4

func (c *nodeAccessCache) get(n orgNode, compute func() (nodeAccess, error)) (nodeAccess, error) {
	key := orgNode{Kind: n.Kind, ID: n.ID}
	c.mu.Lock()
	for i, e := range c.entries {
		if e.node == key {
			c.entries = append(append(c.entries[:i:i], c.entries[i+1:]...), e)
			c.mu.Unlock()
			return e.acc, nil
		}
	}
	c.mu.Unlock()
	acc, err := compute()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries = append(c.entries, nodeAccessEntry{node: key, acc: acc})
	if len(c.entries) > recentNodes {
		c.entries = append(c.entries[:0:0], c.entries[len(c.entries)-recentNodes:]...)
	}
	return acc, nil
}

// lazy is a value loaded once; a failed load is retried by the next caller (the SDK
// retries calls that fail with Unavailable).
type lazy[T any] struct {
	mu   sync.Mutex
	done bool
	v    T
}

func (l *lazy[T]) get(load func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return l.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	l.v, l.done = v, true
	return v, nil
}

// lazyMap is a lazy value per key: concurrent callers of one key wait for one load.
type lazyMap[K comparable, T any] struct {
	mu sync.Mutex
	m  map[K]*lazy[T]
}

func (lm *lazyMap[K, T]) entry(k K) *lazy[T] {
	lm.mu.Lock()
	defer lm.mu.Unlock()
	if lm.m == nil {
		lm.m = map[K]*lazy[T]{}
	}
	e := lm.m[k]
	if e == nil {
		e = &lazy[T]{}
		lm.m[k] = e
	}
	return e
}

func (lm *lazyMap[K, T]) get(k K, load func() (T, error)) (T, error) {
	return lm.entry(k).get(load)
}

// each calls f with every value loaded so far.
func (lm *lazyMap[K, T]) each(f func(T)) {
	lm.mu.Lock()
	entries := make([]*lazy[T], 0, len(lm.m))
	for _, e := range lm.m {
		entries = append(entries, e)
	}
	lm.mu.Unlock()
	for _, e := range entries {
		e.mu.Lock()
		v, done := e.v, e.done
		e.mu.Unlock()
		if done {
			f(v)
		}
	}
}

// set stores a value already fetched (GET /groups/:path of a configured group).
func (lm *lazyMap[K, T]) set(k K, v T) {
	e := lm.entry(k)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.v, e.done = v, true
}

// peek returns a loaded value without loading.
func (lm *lazyMap[K, T]) peek(k K) (T, bool) {
	e := lm.entry(k)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.v, e.done
}
