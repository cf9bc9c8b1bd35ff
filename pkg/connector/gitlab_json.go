package connector

import "github.com/conductorone/baton-gitlab/pkg/gitlabapi"

// GitLab's answers that client-go decodes wrongly or not at all, and the requests it
// lacks, are typed in pkg/gitlabapi (members.go, invitations.go, dates.go...). These
// names stay for the code that still uses them.
type apiMember = gitlabapi.Member

// membershipAwaiting is GitLab's membership_state of a member waiting for a seat.
const membershipAwaiting = gitlabapi.MembershipAwaiting
