package fakegitlab

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// addLargeCredentials sprinkles credentials over a large world so benchmarks see them:
//   - a project access token for every token bot LargeWorld made (one per 50 projects),
//     and for one bot in four an older token revoked by a rotation;
//   - 0 to 3 personal access tokens per person (not outsiders), a mix of active,
//     expired, revoked, never-expiring and never-used ones;
//   - an SSH key for one person in three;
//   - a deploy key on one project in 20 (one key in three also on the next such
//     project; write access on one in two), a deploy token on one project in 30 and on
//     every top-level group.
//
// It draws from its own random source, so the rest of the world does not change, and
// adds no users (the user counts of the large worlds stay as they were).
func addLargeCredentials(w *World, seed uint64, tops []int64, projectIDs []int64) {
	rng := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, seed+0xc2b2ae3d27d4eb4f))
	now := w.Clock()
	day := 24 * time.Hour
	ago := func(maxDays int) time.Time { return now.Add(-time.Duration(1+rng.IntN(maxDays)) * day) }
	date := func(t time.Time) string { return t.UTC().Format(time.DateOnly) }
	ptr := func(t time.Time) *time.Time { return &t }

	// Token bots: their membership row says which project they act for.
	for _, pid := range projectIDs {
		for uid := range w.ProjectMembers[pid] {
			u := w.Users[uid]
			if u == nil || !w.isTokenBot(u) {
				continue
			}
			created := ago(300)
			if uid%4 == 0 {
				w.AddPAT(&PersonalAccessToken{UserID: uid, Name: "deploy", Scopes: []string{"api"},
					CreatedAt: created.Add(-200 * day), LastUsedAt: ptr(created.Add(-day)), ExpiresAt: date(created.Add(165 * day)), Revoked: true})
			}
			w.AddPAT(&PersonalAccessToken{UserID: uid, Name: "deploy", Scopes: []string{"api", "write_repository"},
				CreatedAt: created, LastUsedAt: ptr(ago(3)), ExpiresAt: date(now.Add(time.Duration(30+rng.IntN(300)) * day))})
		}
	}

	// People's tokens and keys.
	for _, u := range w.SortedUsers() {
		if u.Bot || u.Outsider || u.Internal {
			continue
		}
		for k, n := 0, rng.IntN(4); k < n; k++ {
			t := &PersonalAccessToken{UserID: u.ID, Name: "token-" + strconv.Itoa(k+1), Scopes: []string{"read_api"}, CreatedAt: ago(700)}
			switch rng.IntN(6) {
			case 0: // expired
				t.ExpiresAt = date(ago(200))
			case 1: // revoked
				t.Revoked, t.ExpiresAt = true, date(now.Add(100*day))
			case 2: // never expires
				t.Scopes = []string{"api"}
			default:
				t.ExpiresAt = date(now.Add(time.Duration(1+rng.IntN(365)) * day))
			}
			if rng.IntN(5) != 0 { // one in five never used
				t.LastUsedAt = ptr(ago(200))
			}
			w.AddPAT(t)
		}
		if u.ID%3 == 0 {
			w.AddSSHKey(&SSHKey{UserID: u.ID, Title: u.Username + "@laptop", CreatedAt: ago(900),
				Key:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILarge" + strconv.FormatInt(u.ID, 10) + " " + u.Username,
				FingerprintSHA256: "SHA256:large" + strconv.FormatInt(u.ID, 10)})
		}
	}

	// Deploy keys and deploy tokens.
	var shared *DeployKey
	for i, pid := range projectIDs {
		if i%20 == 0 {
			if shared != nil && rng.IntN(3) == 0 {
				shared.Projects[pid] = false
			} else {
				shared = w.AddDeployKey(&DeployKey{Title: "deploy-" + strconv.FormatInt(pid, 10), UserID: LargeTokenUserID, CreatedAt: ago(500),
					Key:               "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILargeDeploy" + strconv.FormatInt(pid, 10),
					FingerprintSHA256: "SHA256:largedeploy" + strconv.FormatInt(pid, 10),
					Projects:          map[int64]bool{pid: rng.IntN(2) == 0}})
			}
		}
		if i%30 == 0 {
			w.AddDeployToken(&DeployToken{Name: "registry", Scopes: []string{"read_registry"}, CreatedAt: ago(400), ProjectID: pid})
		}
	}
	for _, gid := range tops {
		w.AddDeployToken(&DeployToken{Name: "release", Scopes: []string{"read_repository"}, CreatedAt: ago(400),
			ExpiresAt: ptr(now.Add(time.Duration(rng.IntN(200)-50) * day)), GroupID: gid})
	}
}
