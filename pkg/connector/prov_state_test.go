package connector

import (
	"strconv"
	"testing"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// ---- Fresh state -------------------------------------------------------------------

func TestDecisionsUseFreshState(t *testing.T) {
	forModes(t, func(t *testing.T, e *provEnv) {
		// Read bob's membership once (grant already exists) ...
		_, annos, err := e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil || !alreadyExists(annos) {
			t.Fatalf("first grant: %v %v", annos, err)
		}
		// ... then someone removes him in GitLab: the same grant must add him again.
		e.s.Write(func(w *fakegitlab.World) { delete(w.GroupMembers[fakegitlab.DemoGroupAcme], fakegitlab.DemoUserBob) })
		_, annos, err = e.grant(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if alreadyExists(annos) {
			t.Error("grant answered from stale state: GrantAlreadyExists after the member was removed")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Developer, 0)

		// Someone promotes bob to Maintainer in GitLab: revoking the Developer grant
		// (stale) must not remove his Maintainer membership.
		e.s.Write(func(w *fakegitlab.World) {
			w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob].AccessLevel = fakegitlab.Maintainer
		})
		annos, err = e.revoke(t, provGroup, fakegitlab.DemoGroupAcme, "developer", fakegitlab.DemoUserBob)
		if err != nil {
			t.Fatal(err)
		}
		if !alreadyRevoked(annos) {
			t.Error("want GrantAlreadyRevoked")
		}
		wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupAcme, fakegitlab.DemoUserBob), fakegitlab.Maintainer, 0)

		// Grant, revoke, grant again on one connector: each decision sees the last write.
		for i := 0; i < 2; i++ {
			if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "reporter", fakegitlab.DemoUserTrent); err != nil {
				t.Fatal(err)
			}
			wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent), fakegitlab.Reporter, 0)
			annos, err := e.revoke(t, provGroup, fakegitlab.DemoGroupSales, "reporter", fakegitlab.DemoUserTrent)
			if err != nil || alreadyRevoked(annos) {
				t.Fatalf("revoke %d: %v %v", i, annos, err)
			}
			if m := e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent); m != nil {
				t.Fatalf("round %d: trent still a member", i)
			}
		}
	})
}

// ---- Lost responses ----------------------------------------------------------------

// With and without the client's own retries: GitLab applies the write, the response is
// lost (502), and the call must still end in exactly the asked state and succeed.
func TestLostResponsesAreIdempotent(t *testing.T) {
	for _, mode := range provModes {
		for _, retries := range []bool{true, false} {
			name := string(mode) + "/client-retries=" + strconv.FormatBool(retries)
			t.Run(name, func(t *testing.T) {
				e := newProvEnv(t, mode, retries)
				lose := func() { e.s.SetFaults(fakegitlab.Faults{LoseNextWrites: 1}) }

				// POST lost (a client retry then meets 409 "Member already exists").
				lose()
				if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent); err != nil {
					t.Fatalf("grant with lost POST response: %v", err)
				}
				wantLevel(t, e.member(provGroup, fakegitlab.DemoGroupSales, fakegitlab.DemoUserTrent), fakegitlab.Developer, 0)

				// PUT lost.
				before := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
				lose()
				if _, _, err := e.grant(t, provGroup, fakegitlab.DemoGroupPlatform, "maintainer", fakegitlab.DemoUserPeggy); err != nil {
					t.Fatalf("grant with lost PUT response: %v", err)
				}
				after := e.member(provGroup, fakegitlab.DemoGroupPlatform, fakegitlab.DemoUserPeggy)
				wantLevel(t, after, fakegitlab.Maintainer, 0)
				if after.ExpiresAt != before.ExpiresAt {
					t.Errorf("expires_at %q → %q", before.ExpiresAt, after.ExpiresAt)
				}

				// DELETE lost (a client retry then meets 404).
				lose()
				annos, err := e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserDave)
				if err != nil {
					t.Fatalf("revoke with lost DELETE response: %v", err)
				}
				if alreadyRevoked(annos) {
					t.Error("our own removal reported as already revoked")
				}
				if m := e.member(provProject, fakegitlab.DemoProjectAPI, fakegitlab.DemoUserDave); m != nil {
					t.Fatalf("dave still a member: %+v", m)
				}

				// The SDK retrying the whole call after a success changes nothing more.
				e.s.SetFaults(fakegitlab.Faults{})
				_, annos, err = e.grant(t, provGroup, fakegitlab.DemoGroupSales, "developer", fakegitlab.DemoUserTrent)
				if err != nil || !alreadyExists(annos) {
					t.Fatalf("repeated grant: %v %v", annos, err)
				}
				annos, err = e.revoke(t, provProject, fakegitlab.DemoProjectAPI, "developer", fakegitlab.DemoUserDave)
				if err != nil || !alreadyRevoked(annos) {
					t.Fatalf("repeated revoke: %v %v", annos, err)
				}
			})
		}
	}
}
