// Data shapes shared by the backend, the extension host and the webviews (PROTOCOL.md).
// Dates are ISO-8601 strings.

export type RealmKind = 'openldap' | 'activeDirectory' | 'generic';
export type SearchScope = 'sub' | 'one';
export type UserCategory = 'internal' | 'external';

/** LDAP attribute names for each registry field. */
export interface AttributeMap {
  username: string;
  uuid: string;
  displayName: string;
  givenName: string;
  surname: string;
  email: string;
  department: string;
  title: string;
  phone: string;
}
export const attributeMapFields = [
  'username',
  'uuid',
  'displayName',
  'givenName',
  'surname',
  'email',
  'department',
  'title',
  'phone',
] as const satisfies readonly (keyof AttributeMap)[];

export interface RoleRef {
  roleId?: number;
  /** Inputs may name a role instead of giving its id. */
  name?: string;
  scope?: string;
}

export interface RealmInput {
  id?: number;
  name: string;
  kind: RealmKind;
  url: string;
  startTls?: boolean;
  caCertPath?: string;
  tlsServerName?: string;
  allowInsecure?: boolean;
  bindDn: string;
  baseDn: string;
  scope?: SearchScope;
  userFilter?: string;
  attributes?: Partial<AttributeMap>;
  pageSize?: number;
  connectTimeoutMs?: number;
  timeoutMs?: number;
  enabled?: boolean;
  defaultRoles?: RoleRef[];
}

export interface Realm extends Required<Omit<RealmInput, 'id' | 'caCertPath' | 'tlsServerName' | 'attributes'>> {
  id: number;
  caCertPath?: string;
  tlsServerName?: string;
  attributes: AttributeMap;
  createdAt: string;
  updatedAt: string;
}

export type EntryStatus = 'new' | 'imported' | 'changed' | 'conflict';

export interface DirectoryEntry {
  dn: string;
  uuid: string;
  username: string;
  displayName: string;
  givenName: string;
  surname: string;
  email: string;
  department: string;
  title: string;
  phone: string;
  disabled: boolean;
  status: EntryStatus;
  userId?: number;
  /** Why the entry cannot be imported as is (the user holding its username). */
  conflict?: string;
}

export interface User {
  id: number;
  username: string;
  category: UserCategory;
  realmId?: number;
  ldapUuid?: string;
  ldapDn?: string;
  displayName: string;
  givenName?: string;
  surname?: string;
  email?: string;
  department?: string;
  title?: string;
  phone?: string;
  loginEnabled: boolean;
  ldapDisabled: boolean;
  missingSince?: string;
  importedAt?: string;
  syncedAt?: string;
  roles: RoleRef[];
}

/** Registry fields that LDAP provides for an external user (and an admin edits for an internal one). */
export const userInfoFields = [
  'username',
  'displayName',
  'givenName',
  'surname',
  'email',
  'department',
  'title',
  'phone',
] as const;
export type UserInfoField = (typeof userInfoFields)[number];

export interface Role {
  id: number;
  name: string;
  description?: string;
}

export interface FieldChange {
  field: string;
  before: string | boolean | null;
  after: string | boolean | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  userId?: number;
  realmId?: number;
  username?: string;
  changes: FieldChange[];
}

export interface UserDetail {
  user: User;
  roles: (RoleRef & { roleId: number; name: string })[];
  realm?: Realm;
  rawAttributes: Record<string, string[]>;
  audit: AuditEntry[];
}

export interface OperationFailure {
  username?: string;
  dn?: string;
  reason: string;
}

export interface OperationReport {
  created: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  missing: number;
  failed: OperationFailure[];
  changes: { userId?: number; username: string; fields: FieldChange[] }[];
  /** Why each conflicting entry was left alone (additive; present when `conflicts` > 0). */
  conflictDetails?: OperationFailure[];
}
export type ImportReport = OperationReport;
export type SyncReport = OperationReport;

export type RealmTestStepName = 'resolve' | 'connect' | 'tls' | 'bind' | 'search';
export interface RealmTestStep {
  name: RealmTestStepName;
  ok: boolean;
  ms: number;
  message?: string;
  /** Error code (ErrorCodes, e.g. 1103 bind rejected) of a failed step. */
  code?: number;
}
export interface RealmTestResult {
  ok: boolean;
  steps: RealmTestStep[];
  sample: DirectoryEntry[];
  serverInfo?: { vendor?: string; namingContexts?: string[]; supportedLdapVersion?: string[] };
}

export type SearchMode = 'auto' | 'username' | 'keyword' | 'filter';
export interface SearchResult {
  entries: DirectoryEntry[];
  truncated: boolean;
  elapsedMs: number;
}
