// Page ↔ host contract of the webview panels (ARCHITECTURE.md: a page talks only to its host; the
// host validates every message, then relays it to the backend).
//
// Wire format: JSON-RPC 2.0 objects sent with postMessage — a request `{ jsonrpc, id, method,
// params }`, its reply `{ jsonrpc, id, result }` or `{ jsonrpc, id, error: { code, message, data } }`,
// and host → page notifications `{ jsonrpc, method, params }`. Every request a page may send is a
// `PageRequest` below, carrying the schema its params must pass; anything else gets an error reply.
//
// The first request of every page is `webview/ready`; its reply carries the page's initial data,
// so nothing is ever interpolated into a page's HTML.
import {
  arr,
  bool,
  empty,
  id,
  int,
  literal,
  nullable,
  obj,
  optional,
  str,
  type Schema,
} from './messageSchema';
import type {
  DirectoryEntry,
  FieldChange,
  ImportReport,
  Realm,
  RealmInput,
  RealmKind,
  RealmTestResult,
  Role,
  SearchMode,
  User,
  UserDetail,
} from './model';
import type { OperationProgress, UserFields } from './rpc';

/** A request a page sends to its host. `_result` only carries the reply type. */
export interface PageRequest<P, R> {
  readonly method: string;
  readonly params: Schema<P>;
  readonly _result?: R;
}
/** A notification the host sends to a page. */
export interface PageNotification<P> {
  readonly method: string;
  readonly _params?: P;
}
function pageRequest<P, R>(method: string, params: Schema<P>): PageRequest<P, R> {
  return { method, params };
}
function pageNotification<P>(method: string): PageNotification<P> {
  return { method };
}

export const PAGE_JSONRPC = '2.0';
/** Error codes of page replies besides the backend's own (protocol/errors.ts), from JSON-RPC 2.0. */
export const PageErrorCodes = {
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** The operation was cancelled from the page; nothing was written. */
  cancelled: -32800,
} as const;
export interface PageErrorData {
  /** The refused field ("query", "realm.url"), so the page can mark the control. */
  field?: string;
  realmId?: number;
  ldapCode?: number;
}

// ── Field limits ─────────────────────────────────────────────────────────────
// Generous for real data, small enough that a page cannot push megabytes into the backend.
export const limits = {
  query: 4096,
  name: 256,
  url: 2048,
  dn: 1024,
  filter: 4096,
  attribute: 128,
  password: 1024,
  path: 4096,
  uuid: 128,
  username: 256,
  field: 1024,
  operationId: 64,
  importEntries: 10000,
  roles: 200,
} as const;

const operationId = str({ max: limits.operationId, min: 1, pattern: /^[A-Za-z0-9._-]+$/, patternName: 'an operation id (letters, digits, . _ -)' });
const realmKind: Schema<RealmKind> = literal('openldap', 'activeDirectory', 'generic');
const searchMode: Schema<SearchMode> = literal('auto', 'username', 'keyword', 'filter');

// ── Shared shapes ────────────────────────────────────────────────────────────
export interface RealmSummary {
  id: number;
  name: string;
  kind: RealmKind;
  url: string;
  enabled: boolean;
}

/** `webview/ready`: the page has loaded (or reloaded after being hidden); the reply is its initial data. */
export const ReadyMethod = 'webview/ready';
/** Cancel a long operation the page started (its `operationId`); the reply comes when it stopped. */
export const WebviewCancel = pageRequest<{ operationId: string }, null>('webview/cancel', obj({ operationId }));

/** Host → page: progress of the page's long operation. */
export const WebviewProgress = pageNotification<OperationProgress>('webview/progress');
/** Host → page: the registry changed (another panel, a command, a sync); the page may refresh. */
export const WebviewStoreChanged = pageNotification<{ realmIds?: number[]; userIds?: number[] }>('webview/storeChanged');

// ── Import LDAP users ────────────────────────────────────────────────────────
export interface ImportBootstrap {
  realms: RealmSummary[];
  roles: Role[];
  /** The realm the page was opened for (a realm's context menu), or null for "all realms". */
  preselectedRealmId: number | null;
  searchLimit: number;
  defaultRoleIds: number[];
  readOnly: boolean;
}
export const ImportReady = pageRequest<Record<string, never>, ImportBootstrap>(ReadyMethod, empty);

export interface ImportRow extends DirectoryEntry {
  realmId: number;
  realmName: string;
}
export interface ImportSearchParams {
  /** null: every enabled realm. */
  realmId: number | null;
  query: string;
  mode?: SearchMode;
  operationId?: string;
}
export interface ImportSearchResult {
  rows: ImportRow[];
  truncated: boolean;
  elapsedMs: number;
  /** Realms that could not be searched when searching all of them; the others' rows are shown. */
  failures: { realmId: number; realmName: string; message: string }[];
}
export const ImportSearch = pageRequest<ImportSearchParams, ImportSearchResult>(
  'importPage/search',
  obj({
    realmId: nullable(id),
    query: str({ max: limits.query, min: 1 }),
    mode: optional(searchMode),
    operationId: optional(operationId),
  }),
);

export interface EntrySelection {
  uuid?: string;
  dn?: string;
  username?: string;
}
export interface ImportSelection {
  realmId: number;
  entries: EntrySelection[];
}
export interface ImportRunParams {
  operationId: string;
  selections: ImportSelection[];
  /** Roles given to users created by this import; imported users keep theirs. */
  roleIds: number[];
  dryRun: boolean;
}
export interface ImportRunResult {
  report: ImportReport;
  /** Per-realm reports when the selection spans several realms. */
  realms: { realmId: number; realmName: string; report: ImportReport }[];
}
const entrySelection = obj({
  uuid: optional(str({ max: limits.uuid })),
  dn: optional(str({ max: limits.dn })),
  username: optional(str({ max: limits.username })),
});
export const ImportRun = pageRequest<ImportRunParams, ImportRunResult>(
  'importPage/import',
  obj({
    operationId,
    selections: arr(obj({ realmId: id, entries: arr(entrySelection, limits.importEntries) }), 100),
    roleIds: arr(id, limits.roles),
    dryRun: bool,
  }),
);

/** "Copy roles from user…": the roles of an existing user, by username. */
export const ImportRolesOfUser = pageRequest<{ username: string }, { userId: number; username: string; roleIds: number[] }>(
  'importPage/rolesOfUser',
  obj({ username: str({ max: limits.username, min: 1 }) }),
);

// ── Resynchronize ────────────────────────────────────────────────────────────
export interface ResyncBootstrap {
  user: User;
  realms: RealmSummary[];
  /** The realm the user was imported from, if it still exists. */
  defaultRealmId: number | null;
  readOnly: boolean;
}
export const ResyncReady = pageRequest<Record<string, never>, ResyncBootstrap>(ReadyMethod, empty);
export const ResyncCandidates = pageRequest<{ realmId: number }, { entries: DirectoryEntry[] }>(
  'resyncPage/candidates',
  obj({ realmId: id }),
);
export interface ResyncPickParams {
  realmId: number;
  uuid?: string;
  dn?: string;
}
const resyncPick = obj({ realmId: id, uuid: optional(str({ max: limits.uuid })), dn: optional(str({ max: limits.dn })) });
/** Start: the field-by-field changes the chosen entry would make (nothing is written). */
export const ResyncStart = pageRequest<ResyncPickParams, { changes: FieldChange[] }>('resyncPage/start', resyncPick);
/** Save: apply them. */
export const ResyncSave = pageRequest<ResyncPickParams, { user: User; changes: FieldChange[] }>('resyncPage/save', resyncPick);

// ── Directory editor ─────────────────────────────────────────────────────────
export interface RealmEditorBootstrap {
  /** null when adding a directory. */
  realm: Realm | null;
  /** A bind password is stored for this realm's url + bind DN (the page never sees it). */
  hasPassword: boolean;
  readOnly: boolean;
}
export const RealmEditorReady = pageRequest<Record<string, never>, RealmEditorBootstrap>(ReadyMethod, empty);

const attributeName = optional(str({ max: limits.attribute, pattern: /^([A-Za-z][A-Za-z0-9-]*|\d+(\.\d+)*)?$/, patternName: 'an LDAP attribute name or OID' }));
export const realmInputSchema: Schema<RealmInput> = obj({
  id: optional(id),
  name: str({ max: limits.name, min: 1 }),
  kind: realmKind,
  url: str({ max: limits.url, min: 1, pattern: /^ldaps?:\/\/\S+$/i, patternName: 'an ldap:// or ldaps:// URL' }),
  startTls: optional(bool),
  caCertPath: optional(str({ max: limits.path })),
  tlsServerName: optional(str({ max: 253 })),
  allowInsecure: optional(bool),
  bindDn: str({ max: limits.dn }),
  baseDn: str({ max: limits.dn, min: 1 }),
  scope: optional(literal('sub', 'one')),
  userFilter: optional(str({ max: limits.filter })),
  attributes: optional(
    obj({
      username: attributeName,
      uuid: attributeName,
      displayName: attributeName,
      givenName: attributeName,
      surname: attributeName,
      email: attributeName,
      department: attributeName,
      title: attributeName,
      phone: attributeName,
    }),
  ),
  pageSize: optional(int(1, 10000)),
  connectTimeoutMs: optional(int(100, 600000)),
  timeoutMs: optional(int(100, 3600000)),
  enabled: optional(bool),
  defaultRoles: optional(
    arr(obj({ roleId: optional(id), name: optional(str({ max: limits.name })), scope: optional(str({ max: limits.name })) }), limits.roles),
  ),
});
const password = optional(str({ max: limits.password }));

export const RealmEditorTest = pageRequest<{ operationId: string; realm: RealmInput; password?: string }, RealmTestResult>(
  'realmEditor/test',
  obj({ operationId, realm: realmInputSchema, password }),
);
/** Save the realm; a given password goes to SecretStorage (bound to url + bind DN), never to the database. */
export const RealmEditorSave = pageRequest<{ realm: RealmInput; password?: string }, { realm: Realm; hasPassword: boolean }>(
  'realmEditor/save',
  obj({ realm: realmInputSchema, password }),
);
/** Ask the host for a CA certificate file (an Open dialog); null when the admin cancelled. */
export const RealmEditorBrowseCa = pageRequest<Record<string, never>, { path: string | null }>('realmEditor/browseCaFile', empty);

// ── User detail ──────────────────────────────────────────────────────────────
export interface UserPageBootstrap {
  detail: UserDetail;
  roles: Role[];
  realms: RealmSummary[];
  readOnly: boolean;
}
export const UserPageReady = pageRequest<Record<string, never>, UserPageBootstrap>(ReadyMethod, empty);
export const UserPageSetRoles = pageRequest<{ roleIds: number[] }, { detail: UserDetail }>(
  'userPage/setRoles',
  obj({ roleIds: arr(id, limits.roles) }),
);
export const UserPageSetLogin = pageRequest<{ enabled: boolean }, { detail: UserDetail }>(
  'userPage/setLoginEnabled',
  obj({ enabled: bool }),
);
const userField = optional(str({ max: limits.field }));
export const UserPageSaveFields = pageRequest<{ fields: UserFields }, { detail: UserDetail }>(
  'userPage/saveFields',
  obj({
    fields: obj({
      displayName: optional(str({ max: limits.field, min: 1 })),
      givenName: userField,
      surname: userField,
      email: userField,
      department: userField,
      title: userField,
      phone: userField,
    }),
  }),
);
/** Open the Resynchronize dialog for this user. */
export const UserPageResync = pageRequest<Record<string, never>, null>('userPage/resync', empty);
/** Convert: external → internal (the host confirms), internal → external (the host asks for realm and entry). */
export const UserPageConvert = pageRequest<Record<string, never>, { detail: UserDetail } | null>('userPage/convert', empty);
