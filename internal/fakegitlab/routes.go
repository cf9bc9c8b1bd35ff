package fakegitlab

// routes registers every endpoint. Each area registers its own routes in its file.
func (s *Server) routes() {
	s.userRoutes()           // users.go: /user, /users, /personal_access_tokens/self, /version
	s.groupRoutes()          // groups.go: /groups ...
	s.projectRoutes()        // projects.go: /projects ...
	s.memberRoutes()         // members.go: groups/projects members, members/all
	s.invitationRoutes()     // invitations.go
	s.billingRoutes()        // billable_members.go
	s.pendingMemberRoutes()  // pending_members.go: GET /groups/:id/pending_members
	s.memberRoleRoutes()     // member_roles.go
	s.userMembershipRoutes() // user_memberships.go: /users/:id/memberships
	s.identityRoutes()       // identities.go: SAML/SCIM identities, enterprise users
	s.credentialRoutes()     // credentials_*.go, service_accounts.go
	s.manageRoutes()         // credentials_manage.go: GitLab.com groups/:id/manage/...
}
