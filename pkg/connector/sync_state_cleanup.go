package connector

import (
	"context"

	"github.com/conductorone/baton-sdk/pkg/session"
	"github.com/conductorone/baton-sdk/pkg/types/sessions"
)

// SessionStoreDroppingState wraps the SDK's session store so that clearing it also drops
// the connector's per-sync state (the organisation's listings, organisation.go). The SDK
// clears the session store in Cleanup, at the end of every sync
// (connectorbuilder.builder.Cleanup), and has no other hook for it: without this, a
// daemon would keep the last sync's listings until the next sync. A nil store (session
// store not enabled) becomes a no-op store, so Cleanup still reaches the connector.
func SessionStoreDroppingState(ss sessions.SessionStore, c *Connector) sessions.SessionStore {
	if ss == nil {
		ss = &session.NoOpSessionStore{}
	}
	return &stateDroppingStore{SessionStore: ss, c: c}
}

type stateDroppingStore struct {
	sessions.SessionStore
	c *Connector
}

func (s *stateDroppingStore) Clear(ctx context.Context, opt ...sessions.SessionStoreOption) error {
	s.c.dropSyncState()
	return s.SessionStore.Clear(ctx, opt...)
}
