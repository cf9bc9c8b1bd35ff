package gitlabapi

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go"
)

// What GitLab.com tells the Owners of a top-level group about the group's people, each
// as one paged listing per top-level group (issue: accounts matched and reviewed on
// GitLab.com). Billable members (last login, last activity) are in billable_members.go.

// SCIMIdentity is a user's identity provisioned by the group's SCIM provider.
type SCIMIdentity struct {
	ExternUID string `json:"extern_uid"`
	UserID    IntID  `json:"user_id"`
	Active    bool   `json:"active"`
}

// SAMLIdentity is a user's identity with the group's SAML provider (provider group_saml).
type SAMLIdentity struct {
	ExternUID string `json:"extern_uid"`
	UserID    IntID  `json:"user_id"`
}

// IntID is an id GitLab documents as a string and sends as a number (the SAML and SCIM
// identities' user_id): both are read.
type IntID int64

// UnmarshalJSON reads a number or a string of digits; anything else is an error.
func (i *IntID) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*i = 0
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("user_id %s is not an id", truncate(string(b), 40))
	}
	*i = IntID(n)
	return nil
}

// ListSAMLIdentities is every identity linked to a top-level group's SAML provider (GET
// groups/:id/saml/identities; group SSO on GitLab.com, Owners). GitLab answers 400 or 404
// where the group has no SAML provider and 403 to a non-Owner. It covers members of
// subgroups and projects, whose member rows never carry group_saml_identity.
// https://docs.gitlab.com/api/saml/#get-saml-identities-for-a-group
func (c *Client) ListSAMLIdentities(ctx context.Context, groupID int64) ([]*SAMLIdentity, error) {
	return ListAll(ctx, fmt.Sprintf("listing the SAML identities of group %d", groupID),
		offsetFetch[*SAMLIdentity](c, Groups.path(groupID, "saml/identities"), nil))
}

// ListSCIMIdentities is every SCIM identity of a top-level group (GET
// groups/:id/scim/identities; GitLab.com, group SSO with SCIM, Owners): the whole list in
// one answer (ee/lib/api/provider_identity.rb), empty where the group has no SCIM; 403 to
// a non-Owner.
// https://docs.gitlab.com/api/scim/#get-scim-identities-for-a-group
func (c *Client) ListSCIMIdentities(ctx context.Context, groupID int64) ([]*SCIMIdentity, error) {
	return ListAll(ctx, fmt.Sprintf("listing the SCIM identities of group %d", groupID),
		offsetFetch[*SCIMIdentity](c, Groups.path(groupID, "scim/identities"), nil))
}

// ListEnterpriseUsers is every enterprise user of a top-level group (GET
// groups/:id/enterprise_users; GitLab.com 17.7+, Owners of the top-level group; the
// users need not be members). GitLab gives their private fields to the Owners: email,
// two_factor_enabled, sign-in times, identities.
// https://docs.gitlab.com/api/group_enterprise_users/#list-all-enterprise-users
func (c *Client) ListEnterpriseUsers(ctx context.Context, groupID int64) ([]*gitlab.User, error) {
	return ListAll(ctx, fmt.Sprintf("listing the enterprise users of group %d", groupID),
		offsetFetch[*gitlab.User](c, Groups.path(groupID, "enterprise_users"), nil))
}
