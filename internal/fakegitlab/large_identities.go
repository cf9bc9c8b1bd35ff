package fakegitlab

import "strconv"

// addLargeIdentities gives a generated world's users identity-provider links and account
// flags (issue 11), so benchmarks see the listings that read them. Deterministic by user
// id (it draws nothing from LargeWorld's random stream, whose sequence stays as it was).
//
// GitLab.com: every top-level group of the organisation has group SAML SSO; three users
// in four have a SAML identity with the provider of each top-level group they are a
// direct member of; one in five a SCIM identity there (one in fifty of them deactivated);
// one in seven is an enterprise user of the first such group.
// Self-managed (Ultimate licence, Guests use no seat): one user in four an LDAP identity,
// one in four a SAML identity; one in 97 an auditor; one in 53 a private profile.
func addLargeIdentities(w *World, mode Mode) {
	if mode == ModeSelfManaged {
		w.ExcludeGuestsFromSeats = true
		for _, u := range w.SortedUsers() {
			if u.ID == w.TokenUserID || u.Bot {
				continue
			}
			n := strconv.FormatInt(u.ID, 10)
			switch u.ID % 4 {
			case 1:
				u.Identities = append(u.Identities, Identity{Provider: "ldapmain", ExternUID: "uid=user-" + n + ",ou=people,dc=large,dc=example"})
			case 2:
				u.Identities = append(u.Identities, Identity{Provider: "saml", ExternUID: "user-" + n + "@large.example"})
			}
			u.Auditor = u.ID%97 == 0
			u.PrivateProfile = u.ID%53 == 0
		}
		return
	}
	roots := map[int64]bool{}
	for _, g := range w.SortedGroups() {
		if g.ParentID == 0 && g.ID != LargeOutsideGroupID {
			g.SAMLProviderID = 20_000 + g.ID
			roots[g.ID] = true
		}
	}
	// userRoots: the top-level groups each user is a direct member of somewhere below.
	userRoots := map[int64][]int64{}
	for _, g := range w.SortedGroups() {
		r := w.Root(g.ID)
		if r == nil || !roots[r.ID] {
			continue
		}
		for uid := range w.GroupMembers[g.ID] {
			if !containsID(userRoots[uid], r.ID) {
				userRoots[uid] = append(userRoots[uid], r.ID)
			}
		}
	}
	for _, u := range w.SortedUsers() {
		rs := userRoots[u.ID]
		if len(rs) == 0 || u.Bot || u.Outsider || u.ID == w.TokenUserID {
			continue
		}
		n := strconv.FormatInt(u.ID, 10)
		for _, rid := range rs {
			if u.ID%4 != 0 {
				w.LinkGroupSAML(u.ID, rid, "saml-"+n)
			}
			if u.ID%5 == 0 {
				w.AddSCIMIdentity(rid, SCIMIdentity{UserID: u.ID, ExternUID: "scim-" + n, Active: u.ID%50 != 0})
			}
		}
		if u.ID%7 == 0 {
			u.EnterpriseGroupID = minID(rs)
		}
	}
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func minID(ids []int64) int64 {
	m := ids[0]
	for _, x := range ids[1:] {
		m = min(m, x)
	}
	return m
}
