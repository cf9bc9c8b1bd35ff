package connector

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// --- self-managed: instance accounts ---

func TestDeleteSelfManagedBlocksByDefault(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("bob exists")
	}
	if st := e.state(fakegitlab.DemoUserBob); st != fakegitlab.StateBlocked {
		t.Errorf("bob's state %q, want blocked", st)
	}
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserBob] == nil {
			t.Error("blocking removed bob's membership: block keeps them")
		}
	})
	// Blocking again is not an error (GitLab answers 201 for an already blocked user).
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil); err != nil {
		t.Errorf("blocking a blocked user: %v", err)
	}
}

func TestDeleteSelfManagedLDAPBlocked(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	_, err := e.users.Delete(context.Background(), acctUserID(t, "109"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "user is blocked by LDAP: change it in your directory", "ivan")
	if st := e.state(fakegitlab.DemoUserIvan); st != fakegitlab.StateLDAPBlocked {
		t.Errorf("ivan's state changed to %q", st)
	}
}

func TestDeleteSelfManagedDeactivate(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDeactivate })
	// trent never signed in: dormant, GitLab deactivates him.
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil); err != nil {
		t.Fatal(err)
	}
	if st := e.state(fakegitlab.DemoUserTrent); st != fakegitlab.StateDeactivated {
		t.Errorf("trent's state %q, want deactivated", st)
	}
	// bob was active days ago: GitLab refuses, and the error says what to do instead.
	_, err := e.users.Delete(context.Background(), acctUserID(t, "102"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "90 days", "--deprovision-action block")
	if st := e.state(fakegitlab.DemoUserBob); st != fakegitlab.StateActive {
		t.Errorf("bob's state %q, want active", st)
	}
}

func TestDeleteSelfManagedDelete(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, func(s *Settings) { s.DeprovisionAction = DeprovisionDelete })
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil); err != nil {
		t.Fatal(err)
	}
	if _, found := e.user("trent"); found {
		t.Error("trent was not deleted")
	}
	// Already gone: reported, not an error.
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "119"), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("deleting a deleted user: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}

	// carol becomes the sole Owner of a new top-level group: GitLab refuses (409).
	e.s.Write(func(w *fakegitlab.World) {
		g := w.AddGroup(&fakegitlab.Group{Name: "Carol's Lab", Path: "carol-lab"})
		w.SetGroupMember(g.ID, &fakegitlab.Member{UserID: fakegitlab.DemoUserCarol, AccessLevel: fakegitlab.Owner})
	})
	_, err = e.users.Delete(context.Background(), acctUserID(t, "103"), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "carol", "sole Owner", "transfer ownership of", "or use --deprovision-action block")
	if _, found := e.user("carol"); !found {
		t.Error("carol was deleted despite GitLab's refusal")
	}
	var groupKept bool
	e.s.Read(func(w *fakegitlab.World) { groupKept = w.GroupByFullPath("carol-lab") != nil })
	if !groupKept {
		t.Error("the sole-owned group was deleted: the connector must never hard_delete")
	}
}

func TestDeleteSelfManagedPendingAccount(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeSelfManaged, nil)
	if _, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil); err != nil {
		t.Fatal(err)
	}
	e.s.Read(func(w *fakegitlab.World) {
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupAcme]); n != 0 {
			t.Errorf("%d invitations left in acme", n)
		}
	})
}

// --- GitLab.com: invitations and the organisation's memberships ---

func TestDeleteGitLabComRemovesFromOrganisation(t *testing.T) {
	t.Parallel()
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	direct := func(w *fakegitlab.World, userID int64) []string {
		var where []string
		for gid, ms := range w.GroupMembers {
			if ms[userID] != nil {
				where = append(where, "group "+w.FullPath(gid))
			}
		}
		for pid, ms := range w.ProjectMembers {
			if ms[userID] != nil {
				where = append(where, "project "+w.ProjectPathWithNamespace(pid))
			}
		}
		return where
	}
	for _, tc := range []struct {
		name string
		id   int64
	}{
		{"direct member of the top-level group", fakegitlab.DemoUserBob},
		{"subgroup-only member", fakegitlab.DemoUserCarol},
		{"project-only member", fakegitlab.DemoUserDave},
		{"top-level and subgroup member", fakegitlab.DemoUserErin},
		{"member of the second top-level group", fakegitlab.DemoUserQuentin},
	} {
		annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(tc.id)), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if hasDoesNotExist(annos) {
			t.Errorf("%s: reported as not existing", tc.name)
		}
		e.s.Read(func(w *fakegitlab.World) {
			if left := direct(w, tc.id); len(left) != 0 {
				t.Errorf("%s: still a member of %v", tc.name, left)
			}
			if w.Users[tc.id] == nil || w.Users[tc.id].State != fakegitlab.StateActive {
				t.Errorf("%s: the GitLab.com account itself must be left alone", tc.name)
			}
		})
	}
	// Nothing left to remove: reported, not an error.
	annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserBob)), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("second removal: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}
	// Others keep their memberships.
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupAcme][fakegitlab.DemoUserAlice] == nil {
			t.Error("alice lost her membership")
		}
	})
}

func TestDeleteGitLabComLastOwner(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	// acme-admin is the only Owner of acme-contractors: GitLab refuses to remove them.
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserAdmin)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "acme-contractors", "Owner")
	e.s.Read(func(w *fakegitlab.World) {
		if w.GroupMembers[fakegitlab.DemoGroupContractors][fakegitlab.DemoUserAdmin] == nil {
			t.Error("the last Owner was removed")
		}
	})
}

func TestDeleteGitLabComPendingAccount(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	e.s.Write(func(w *fakegitlab.World) {
		w.ProjectInvitations[fakegitlab.DemoProjectCRM] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: fakegitlab.DemoInvitationEmail, AccessLevel: fakegitlab.Reporter, CreatedAt: w.Clock(),
		}}
		w.GroupInvitations[fakegitlab.DemoGroupSales] = []*fakegitlab.Invitation{{
			ID: w.NextID(), Email: "other@example.org", AccessLevel: fakegitlab.Guest, CreatedAt: w.Clock(),
		}}
	})
	annos, err := e.users.Delete(context.Background(), acctUserID(t, "invitation:"+strings.ToUpper(fakegitlab.DemoInvitationEmail)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("reported as not existing")
	}
	e.s.Read(func(w *fakegitlab.World) {
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupAcme]); n != 0 {
			t.Errorf("%d invitations left in acme", n)
		}
		if n := len(w.ProjectInvitations[fakegitlab.DemoProjectCRM]); n != 0 {
			t.Errorf("%d invitations left in acme/sales/crm", n)
		}
		if n := len(w.GroupInvitations[fakegitlab.DemoGroupSales]); n != 1 {
			t.Error("another email's invitation was cancelled")
		}
	})
	annos, err = e.users.Delete(context.Background(), acctUserID(t, "invitation:"+fakegitlab.DemoInvitationEmail), nil)
	if err != nil || !hasDoesNotExist(annos) {
		t.Errorf("cancelling again: annotations %v, error %v; want ResourceDoesNotExist", annos, err)
	}
}
