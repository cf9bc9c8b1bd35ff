package connector

import (
	"net/http"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// GitLab's answers that client-go decodes wrongly or not at all, and the requests it
// lacks, are typed in pkg/gitlabapi (members.go, invitations.go, dates.go...). These
// aliases keep the older names compiling until their last users move to the
// gitlabapi names.
type (
	apiMember     = gitlabapi.Member
	apiMemberRole = gitlabapi.MemberRole
	apiInvitation = gitlabapi.Invitation
	apiDate       = gitlabapi.Date
	apiTime       = gitlabapi.Time
)

// membershipAwaiting is GitLab's membership_state of a member waiting for a seat.
const membershipAwaiting = gitlabapi.MembershipAwaiting

// listGitLab is an offset listing of path (relative to /api/v4, e.g.
// "groups/11/members") decoded into T; query adds parameters beside the page ones
// (nil: none). Use it with gitlabapi.ListAll / ForEachPage.
//
// Prefer the typed listings of gitlabapi.Client (ListDirectMembers, ListInvitations...):
// this stays until its last callers move.
func listGitLab[T any](api *gitlab.Client, path string, query map[string]string) gitlabapi.OffsetFetch[T] {
	return func(lo gitlab.ListOptions, reqOpts ...gitlab.RequestOptionFunc) ([]T, *gitlab.Response, error) {
		opt := pageQuery{ListOptions: lo}
		req, err := api.NewRequest(http.MethodGet, path, &opt, reqOpts)
		if err != nil {
			return nil, nil, err
		}
		if len(query) > 0 {
			q := req.URL.Query()
			for k, v := range query {
				q.Set(k, v)
			}
			req.URL.RawQuery = q.Encode()
		}
		var out []T
		resp, err := api.Do(req, &out)
		if err != nil {
			return nil, resp, err
		}
		return out, resp, nil
	}
}

// pageQuery carries the page parameters (page, per_page) of a listing.
type pageQuery struct {
	gitlab.ListOptions
}
