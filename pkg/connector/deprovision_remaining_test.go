package connector

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/conductorone/baton-gitlab/internal/fakegitlab"
)

// Review D1: with --groups acme, quentin's access to acme comes only through
// acme-contractors (outside the organisation), which acme/platform is shared with at
// Reporter and acme/sales/crm at Guest. Deprovisioning cannot remove that: it says so,
// naming the share, instead of "does not exist".
func TestDeleteGitLabComNamesAccessLeftThroughShares(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.Groups = []string{"acme"} })
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserQuentin)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "quentin", "Reporter on group acme/platform", "acme-contractors",
		"remove them from those groups or remove the shares", "nothing was found to remove")
	if e.groupMember(fakegitlab.DemoGroupContractors, fakegitlab.DemoUserQuentin) == nil {
		t.Error("quentin was removed from acme-contractors, outside the organisation")
	}
}

// What can be removed is removed first; the answer then names what remains.
func TestDeleteGitLabComRemovesThenNamesAccessLeft(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, func(s *Settings) { s.Groups = []string{"acme"} })
	e.s.Write(func(w *fakegitlab.World) {
		w.SetGroupMember(fakegitlab.DemoGroupSales, &fakegitlab.Member{UserID: fakegitlab.DemoUserQuentin, AccessLevel: fakegitlab.Developer, CreatedAt: w.Clock()})
	})
	_, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserQuentin)), nil)
	acctWantCode(t, err, codes.FailedPrecondition, "acme-contractors", "done: removed from group acme")
	if e.groupMember(fakegitlab.DemoGroupSales, fakegitlab.DemoUserQuentin) != nil {
		t.Error("quentin's membership of acme/sales is still there")
	}
}

// Without --groups the organisation includes acme-contractors: everything is removed and
// nothing remains, so the answer is success.
func TestDeleteGitLabComNothingLeftIsSuccess(t *testing.T) {
	e := newAcctEnv(t, fakegitlab.ModeGitLabCom, nil)
	annos, err := e.users.Delete(context.Background(), acctUserID(t, acctItoa(fakegitlab.DemoUserQuentin)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if hasDoesNotExist(annos) {
		t.Error("reported as not existing")
	}
	if e.groupMember(fakegitlab.DemoGroupContractors, fakegitlab.DemoUserQuentin) != nil {
		t.Error("quentin is still a member of acme-contractors")
	}
}
