// Package gitlabapi is the thin layer between the connector and GitLab's REST API:
// building the official client-go client (retries, rate limits, no response cache),
// pagination helpers and the mapping of GitLab's errors to gRPC codes. Nothing here
// knows about users, groups or projects as baton resources.
package gitlabapi

import (
	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// Deployment is the kind of GitLab the connector talks to; they behave differently.
type Deployment string

const (
	// GitLabCom is the SaaS at gitlab.com: no admin API for customers.
	GitLabCom Deployment = "gitlab.com"
	// SelfManaged is a self-managed (or Dedicated) instance, usually with an admin token.
	SelfManaged Deployment = "self-managed"
)

// Client is a configured GitLab API client.
type Client struct {
	API        *gitlab.Client
	Deployment Deployment
	BaseURL    string // the instance URL the user configured, e.g. https://gitlab.com
}
