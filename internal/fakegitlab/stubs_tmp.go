package fakegitlab

// Temporary: each area replaces its stub with its real file.
func (s *Server) userRoutes()       {}
func (s *Server) groupRoutes()      {}
func (s *Server) projectRoutes()    {}
func (s *Server) memberRoutes()     {}
func (s *Server) invitationRoutes() {}
func (s *Server) billingRoutes()    {}
func (s *Server) memberRoleRoutes() {}

// Access is a user's effective access to a group or project: the highest level over a
// direct membership, memberships of ancestor groups, and group shares (capped).
// (Stub: effective.go of the members work replaces it.)
type Access struct {
	Level        AccessLevel
	MemberRoleID int64
}

// EffectiveGroupAccess is the user's effective access to the group.
func (w *World) EffectiveGroupAccess(groupID, userID int64) Access { return Access{} }

// EffectiveProjectAccess is the user's effective access to the project.
func (w *World) EffectiveProjectAccess(projectID, userID int64) Access { return Access{} }
