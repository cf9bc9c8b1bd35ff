package fakegitlab

// The subset of GitLab's GraphQL schema a sync reads, with GitLab's type, field and
// argument names and types. Sources (gitlabhq/gitlabhq):
//
//	Query             app/graphql/types/query_type.rb (group, groups, project, currentUser,
//	                  queryComplexity)
//	Query.groups      app/graphql/resolvers/groups_resolver.rb <
//	                  app/graphql/resolvers/namespaces/base_groups_resolver.rb (arguments and
//	                  defaults: topLevelOnly false, ownedOnly false, sort 'name_asc',
//	                  allAvailable true, includeSubgroups false)
//	Group             app/graphql/types/group_type.rb (< namespace_type.rb): webUrl,
//	                  createdAt, shareWithGroupLock, parent, groupMembers (resolver
//	                  Resolvers::GroupMembersResolver), descendantGroups (complexity: 5,
//	                  Resolvers::NestedGroupsResolver), descendantGroupsCount,
//	                  groupMembersCount, projectsCount, maxAccessLevel
//	descendantGroups  app/graphql/resolvers/nested_groups_resolver.rb
//	                  (includeParentDescendants default true, owned, search, ids)
//	Group.projects    app/graphql/resolvers/namespace_projects_resolver.rb
//	                  (includeSubgroups default false, includeArchived default true, search,
//	                  ids; resolver_complexity + 10)
//	groupMembers      app/graphql/resolvers/group_members_resolver.rb (relations default
//	                  GroupMembersFinder::DEFAULT_RELATIONS = [DIRECT, INHERITED],
//	                  accessLevels, enterprise) < members_resolver.rb (search, sort)
//	projectMembers    app/graphql/resolvers/project_members_resolver.rb (relations default
//	                  MembersFinder::DEFAULT_RELATIONS = [DIRECT, INHERITED]); type
//	                  MemberInterfaceConnection (members_resolver.rb)
//	MemberInterface   app/graphql/types/member_interface.rb (id: ID!, accessLevel,
//	                  createdBy, createdAt, updatedAt, expiresAt, user); no custom role
//	GroupMember       app/graphql/types/group_member_type.rb (group; authorize :read_group)
//	ProjectMember     app/graphql/types/project_member_type.rb (project; authorize :read_project)
//	AccessLevel       app/graphql/types/access_level_type.rb (integerValue, stringValue,
//	                  humanAccess)
//	UserCore          app/graphql/types/user_type.rb / user_interface.rb (id: UserID!)
//	QueryComplexity   app/graphql/types/query_complexity_type.rb (score, limit)
//	Group.memberRoles ee/app/graphql/ee/types/group_type.rb (resolver
//	                  Resolvers::MemberRoles::RolesResolver: id, orderBy, sort;
//	                  authorize: :read_member_role), MemberRole
//	                  (ee/app/graphql/types/member_roles/member_role_type.rb: id, name,
//	                  description, baseAccessLevel, membersCount, usersCount); EE files from
//	                  the public mirror pavankalisetti009/gitlab
//	Group.pendingMembers ee/app/graphql/ee/types/group_type.rb (connection of
//	                  Types::Members::PendingMemberInterface, resolver
//	                  EE::Resolvers::PendingGroupMembersResolver: authorizes_object!,
//	                  authorize :admin_group_member, root groups only, offset_pagination of
//	                  Member.distinct_awaiting_or_invited_for_group); PendingMemberInterface
//	                  (ee/app/graphql/types/members/pending_member_interface.rb: implements
//	                  MemberInterface; name, username, email, webUrl, avatarUrl, approved,
//	                  invited), PendingGroupMember and PendingProjectMember
//	                  (ee/app/graphql/types/members/pending_{group,project}_member_type.rb);
//	                  graphql_pending_members.go
//	Group.sharedGroups app/graphql/resolvers/namespaces/shared_groups_resolver.rb
//	                  (search; sort: GroupSort, app/graphql/types/namespaces/
//	                  group_sort_enum.rb, default NAME_ASC) over
//	                  app/finders/namespaces/groups/shared_groups_finder.rb; only from
//	                  SharedGroupsGraphQLVersion (18.4, MR !201708): gqlSchemaSDLFor adds
//	                  it, graphql_shared_groups.go
//
// Left out on purpose: sort on members and descendantGroups (the fake serves one order),
// the EE enterprise filter and everything a sync does not read.
const gqlSchemaSDL = `
schema { query: Query }

scalar Time
scalar UserID
scalar MemberRoleID

type Query {
  currentUser: CurrentUser
  group(fullPath: ID!): Group
  groups(
    ids: [ID!], topLevelOnly: Boolean = false, ownedOnly: Boolean = false, search: String,
    sort: String = "name_asc", parentPath: ID, includeSubgroups: Boolean = false,
    allAvailable: Boolean = true,
    after: String, before: String, first: Int, last: Int
  ): GroupConnection
  project(fullPath: ID!): Project
  queryComplexity: QueryComplexity
}

type QueryComplexity {
  limit: Int
  score: Int
}

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type Group {
  id: ID!
  name: String!
  path: String!
  fullName: String!
  fullPath: ID!
  description: String
  visibility: String
  webUrl: String!
  createdAt: Time
  shareWithGroupLock: Boolean
  parent: Group
  maxAccessLevel: AccessLevel!
  descendantGroupsCount: Int!
  groupMembersCount: Int!
  projectsCount: Int!
  descendantGroups(
    includeParentDescendants: Boolean = true, owned: Boolean, search: String, ids: [ID!],
    after: String, before: String, first: Int, last: Int
  ): GroupConnection
  projects(
    includeSubgroups: Boolean = false, includeArchived: Boolean = true, search: String, ids: [ID!],
    after: String, before: String, first: Int, last: Int
  ): ProjectConnection!
  groupMembers(
    relations: [GroupMemberRelation!] = [DIRECT, INHERITED], accessLevels: [AccessLevelEnum!],
    search: String,
    after: String, before: String, first: Int, last: Int
  ): GroupMemberConnection
  memberRoles(
    id: MemberRoleID, orderBy: MemberRolesOrderBy, sort: SortDirectionEnum,
    after: String, before: String, first: Int, last: Int
  ): MemberRoleConnection
  pendingMembers(after: String, before: String, first: Int, last: Int): PendingMemberInterfaceConnection
}

enum MemberRolesOrderBy { NAME CREATED_AT ID }

enum SortDirectionEnum { ASC DESC }

type MemberRole {
  id: MemberRoleID!
  name: String!
  description: String
  baseAccessLevel: AccessLevel!
  membersCount: Int!
  usersCount: Int!
}

type MemberRoleConnection {
  edges: [MemberRoleEdge]
  nodes: [MemberRole]
  pageInfo: PageInfo!
}

type MemberRoleEdge {
  cursor: String!
  node: MemberRole
}

type GroupConnection {
  edges: [GroupEdge]
  nodes: [Group]
  pageInfo: PageInfo!
}

type GroupEdge {
  cursor: String!
  node: Group
}

type Project {
  id: ID!
  name: String!
  path: String!
  fullPath: ID!
  nameWithNamespace: String!
  description: String
  visibility: String
  webUrl: String
  createdAt: Time
  archived: Boolean
  group: Group
  projectMembers(
    relations: [ProjectMemberRelation!] = [DIRECT, INHERITED], accessLevels: [AccessLevelEnum!],
    search: String,
    after: String, before: String, first: Int, last: Int
  ): MemberInterfaceConnection
}

type ProjectConnection {
  edges: [ProjectEdge]
  nodes: [Project]
  pageInfo: PageInfo!
}

type ProjectEdge {
  cursor: String!
  node: Project
}

enum GroupMemberRelation { DIRECT INHERITED DESCENDANTS SHARED_FROM_GROUPS }

enum ProjectMemberRelation { DIRECT INHERITED DESCENDANTS INVITED_GROUPS SHARED_INTO_ANCESTORS }

enum AccessLevelEnum { NO_ACCESS MINIMAL_ACCESS GUEST PLANNER REPORTER DEVELOPER MAINTAINER OWNER }

type AccessLevel {
  humanAccess: String
  integerValue: Int
  stringValue: AccessLevelEnum
}

interface MemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
}

type GroupMember implements MemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
  group: Group
}

type ProjectMember implements MemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
  project: Project
}

type GroupMemberConnection {
  edges: [GroupMemberEdge]
  nodes: [GroupMember]
  pageInfo: PageInfo!
}

type GroupMemberEdge {
  cursor: String!
  node: GroupMember
}

type MemberInterfaceConnection {
  edges: [MemberInterfaceEdge]
  nodes: [MemberInterface]
  pageInfo: PageInfo!
}

type MemberInterfaceEdge {
  cursor: String!
  node: MemberInterface
}

interface PendingMemberInterface implements MemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
  name: String
  username: String
  email: String
  webUrl: String
  avatarUrl: String
  approved: Boolean
  invited: Boolean
}

type PendingGroupMember implements MemberInterface & PendingMemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
  name: String
  username: String
  email: String
  webUrl: String
  avatarUrl: String
  approved: Boolean
  invited: Boolean
}

type PendingProjectMember implements MemberInterface & PendingMemberInterface {
  id: ID!
  accessLevel: AccessLevel
  createdAt: Time
  createdBy: UserCore
  expiresAt: Time
  updatedAt: Time
  user: UserCore
  name: String
  username: String
  email: String
  webUrl: String
  avatarUrl: String
  approved: Boolean
  invited: Boolean
}

type PendingMemberInterfaceConnection {
  edges: [PendingMemberInterfaceEdge]
  nodes: [PendingMemberInterface]
  pageInfo: PageInfo!
}

type PendingMemberInterfaceEdge {
  cursor: String!
  node: PendingMemberInterface
}

enum UserState { active blocked deactivated banned ldap_blocked blocked_pending_approval }

type UserCore {
  id: UserID!
  username: String!
  name: String!
  state: UserState!
  webUrl: String!
  avatarUrl: String
  publicEmail: String
  bot: Boolean!
  active: Boolean
  human: Boolean
  createdAt: Time
}

type CurrentUser {
  id: UserID!
  username: String!
  name: String!
  state: UserState!
  webUrl: String!
  avatarUrl: String
  publicEmail: String
  bot: Boolean!
  active: Boolean
  human: Boolean
  createdAt: Time
}
`
