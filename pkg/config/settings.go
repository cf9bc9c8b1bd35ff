package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/conductorone/baton-gitlab/pkg/gitlabapi"
)

// groupPathSegment is one segment of a GitLab namespace path: letters, digits, '_',
// '-', '.'; not starting with '-' or '.'.
// https://docs.gitlab.com/user/reserved_names/ and GitLab's path validation.
var groupPathSegment = regexp.MustCompile(`^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$`)

var accessLevels = map[string]gitlab.AccessLevelValue{
	"guest":      gitlab.GuestPermissions,
	"planner":    gitlab.PlannerPermissions,
	"reporter":   gitlab.ReporterPermissions,
	"developer":  gitlab.DeveloperPermissions,
	"maintainer": gitlab.MaintainerPermissions,
}

// Checked are the settings after Check: resolved and normalised. cmd/baton-gitlab
// copies them into connector.Settings (this package does not import the connector).
type Checked struct {
	Token                      string
	BaseURL                    string               // without trailing slash or /api/v4
	Deployment                 gitlabapi.Deployment // never "auto"
	AccountCreationGroup       string               // full path or numeric id; "" when unset
	Groups                     []string             // top-level paths, deduplicated
	AccountCreationAccessLevel gitlab.AccessLevelValue
	DeprovisionAction          string // block, deactivate or delete
	SkipConfirmation           bool
	// DeployCredentialsPerProject, SSHKeysPerUser: the credential listings that cost one
	// request per group or project, or per account (opt-in).
	DeployCredentialsPerProject bool
	SSHKeysPerUser              bool
	// GraphQL: read direct memberships through GitLab's GraphQL API (--sync-api graphql).
	GraphQL bool
	// Transport: --allow-insecure-http, and the CA bundle read from --ca-cert-file.
	Transport gitlabapi.TransportOptions
	// InsecureHTTP: the base URL is plain http to a host that is not loopback (allowed by
	// --allow-insecure-http): the token travels unencrypted, worth a warning on every run.
	InsecureHTTP bool
}

// Check checks the values the SDK read (flags, BATON_* environment, config file) and
// resolves them (deployment auto → gitlab.com or self-managed). Every error names the
// setting and what to put there. It makes no network call: what only GitLab can tell
// (does the group exist, is it top-level) is checked by the connector's Validate.
func Check(c *Gitlab) (Checked, error) {
	var s Checked
	token := strings.TrimSpace(c.AccessToken)
	if token == "" {
		return s, fmt.Errorf("--%s is required: create a GitLab personal access token with the api scope and set --%s or BATON_ACCESS_TOKEN",
			AccessTokenName, AccessTokenName)
	}

	base := c.BaseUrl
	if strings.TrimSpace(base) == "" {
		base = DefaultBaseURL
	}
	u, err := gitlabapi.ParseInstanceURL(base)
	if err != nil {
		return s, err
	}
	s.BaseURL = u.String()
	if err := gitlabapi.CheckInsecureHTTP(u, c.AllowInsecureHttp); err != nil {
		return s, err
	}
	s.Transport.AllowInsecureHTTP = c.AllowInsecureHttp
	s.InsecureHTTP = strings.EqualFold(u.Scheme, "http") && !gitlabapi.IsLoopbackHost(u.Hostname())
	if f := strings.TrimSpace(c.CaCertFile); f != "" {
		pem, err := gitlabapi.ReadCACertFile(f)
		if err != nil {
			return s, err
		}
		s.Transport.CACertPEM, s.Transport.CACertFile = pem, f
	}

	if v := strings.TrimSpace(c.OutageTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return s, fmt.Errorf("--%s %q: must be a positive duration such as 30s, 15m or 1h (how long GitLab may fail every request before a run stops)",
				OutageTimeoutName, c.OutageTimeout)
		}
		s.Transport.OutageTimeout = d
	}

	switch d := strings.ToLower(strings.TrimSpace(c.Deployment)); d {
	case "", DeploymentAuto:
		s.Deployment = gitlabapi.DetectDeployment(u)
	case DeploymentGitLabCom:
		s.Deployment = gitlabapi.GitLabCom
	case DeploymentSelfManaged:
		s.Deployment = gitlabapi.SelfManaged
	default:
		return s, fmt.Errorf("--%s %q: must be %s (host gitlab.com is GitLab.com, anything else self-managed), %s or %s",
			DeploymentName, c.Deployment, DeploymentAuto, DeploymentGitLabCom, DeploymentSelfManaged)
	}

	if g := strings.TrimSpace(c.AccountCreationGroup); g != "" {
		path, err := groupRef(g)
		if err != nil {
			return s, fmt.Errorf("--%s %q: %w", AccountCreationGroupName, g, err)
		}
		s.AccountCreationGroup = path
	}

	seen := map[string]bool{}
	for _, raw := range c.Groups {
		g := strings.TrimSpace(raw)
		if g == "" {
			continue
		}
		path, err := groupRef(g)
		if err != nil {
			return s, fmt.Errorf("--%s %q: %w", GroupsName, g, err)
		}
		if strings.Contains(path, "/") {
			return s, fmt.Errorf("--%s %q is a subgroup: list top-level groups only (%q); their subgroups and projects are synced with them",
				GroupsName, g, path[:strings.Index(path, "/")])
		}
		if key := strings.ToLower(path); !seen[key] {
			seen[key] = true
			s.Groups = append(s.Groups, path)
		}
	}

	level := strings.ToLower(strings.TrimSpace(c.AccountCreationAccessLevel))
	if level == "" {
		level = "guest"
	}
	lv, ok := accessLevels[level]
	if !ok {
		return s, fmt.Errorf("--%s %q: must be one of %s", AccountCreationAccessLevelName, c.AccountCreationAccessLevel,
			strings.Join(AccessLevelChoices, ", "))
	}
	s.AccountCreationAccessLevel = lv

	action := strings.ToLower(strings.TrimSpace(c.DeprovisionAction))
	switch action {
	case "":
		s.DeprovisionAction = "block"
	case "block", "deactivate", "delete":
		s.DeprovisionAction = action
	default:
		return s, fmt.Errorf("--%s %q: must be one of %s", DeprovisionActionName, c.DeprovisionAction,
			strings.Join(DeprovisionChoices, ", "))
	}

	s.SkipConfirmation = c.SkipConfirmation
	s.DeployCredentialsPerProject = c.DeployCredentialsPerProject
	s.SSHKeysPerUser = c.SshKeysPerUser
	switch v := strings.ToLower(strings.TrimSpace(c.SyncApi)); v {
	case "", SyncAPIREST:
	case SyncAPIGraphQL:
		s.GraphQL = true
	default:
		return s, fmt.Errorf("--%s %q: must be %s (one members listing per group and project) or %s (GitLab's GraphQL API, fewer requests)",
			SyncAPIName, c.SyncApi, SyncAPIREST, SyncAPIGraphQL)
	}
	s.Token = token
	return s, nil
}

// groupRef checks a group reference: a numeric id or a full path (acme/platform), given
// without the instance URL. Leading and trailing slashes are dropped.
func groupRef(g string) (string, error) {
	if strings.Contains(g, "://") {
		return "", fmt.Errorf("give the group's full path (as in its URL after the host, e.g. acme/platform) or its numeric id, not a URL")
	}
	g = strings.Trim(g, "/")
	if g == "" {
		return "", fmt.Errorf("empty group path")
	}
	for _, seg := range strings.Split(g, "/") {
		if !groupPathSegment.MatchString(seg) {
			return "", fmt.Errorf("%q is not a GitLab group path: give the group's full path (e.g. acme/platform) or its numeric id", g)
		}
	}
	return g, nil
}
