// The backend's JSON-RPC contract (PROTOCOL.md) as typed constants: callers never spell a method
// name. Params are always one object (ParameterStructures.byName).
import { NotificationType, ParameterStructures, RequestType } from 'vscode-jsonrpc';
import type { ErrorData } from './errors';
import type {
  AuditEntry,
  DirectoryEntry,
  ImportReport,
  Realm,
  RealmInput,
  RealmTestResult,
  Role,
  RoleRef,
  SearchMode,
  SearchResult,
  SyncReport,
  FieldChange,
  User,
  UserCategory,
  UserDetail,
} from './model';

function request<P, R>(method: string): RequestType<P, R, ErrorData> {
  return new RequestType<P, R, ErrorData>(method, ParameterStructures.byName);
}
function notification<P>(method: string): NotificationType<P> {
  return new NotificationType<P>(method, ParameterStructures.byName);
}

/** Long requests may carry an id that their `operation/progress` notifications repeat. */
export interface OperationParams {
  operationId?: string;
}

// ── Lifecycle ────────────────────────────────────────────────────────────────
export interface InitializeParams {
  databasePath: string;
  clientName?: string;
}
export interface InitializeResult {
  serverVersion: string;
  schemaVersion: number;
  readOnly: boolean;
  readOnlyReason?: string;
}
export const Initialize = request<InitializeParams, InitializeResult>('initialize');
export const Shutdown = request<Record<string, never>, null>('shutdown');
export const Exit = notification<Record<string, never>>('exit');

// ── Realms ───────────────────────────────────────────────────────────────────
export const RealmList = request<Record<string, never>, Realm[]>('realm/list');
export const RealmSave = request<{ realm: RealmInput }, Realm>('realm/save');
export type RealmUsersOnDelete = 'keep' | 'convertToInternal' | 'delete';
export const RealmDelete = request<{ realmId: number; users: RealmUsersOnDelete }, { affectedUsers: number }>(
  'realm/delete',
);
export type RealmTestParams = OperationParams & ({ realmId: number } | { realm: RealmInput; password?: string });
export const RealmTest = request<RealmTestParams, RealmTestResult>('realm/test');
export interface RealmSearchParams extends OperationParams {
  realmId: number;
  query: string;
  mode?: SearchMode;
  limit?: number;
}
export const RealmSearch = request<RealmSearchParams, SearchResult>('realm/search');
export interface RealmResyncParams extends OperationParams {
  realmId: number;
  dryRun?: boolean;
  confirmMissing?: boolean;
  /** Added (extension setting ldapUsers.sync.missingThreshold): share 0–1 of the realm's users
   * that may newly go missing before the resync stops with 1302; absent = the backend default. */
  missingThreshold?: number;
}
export const RealmResync = request<RealmResyncParams, SyncReport>('realm/resync');

// ── Users ────────────────────────────────────────────────────────────────────
export interface EntryRef {
  uuid?: string;
  dn?: string;
  username?: string;
}
export interface UserImportParams extends OperationParams {
  realmId: number;
  entries: EntryRef[];
  roles?: RoleRef[];
  dryRun?: boolean;
}
export const UserImport = request<UserImportParams, ImportReport>('user/import');

export type UserSortField = 'username' | 'displayName' | 'syncedAt' | 'importedAt' | 'email';
export interface UserListParams {
  realmId?: number;
  category?: UserCategory;
  text?: string;
  sort?: { field: UserSortField; direction: 'asc' | 'desc' };
  offset?: number;
  limit?: number;
}
export const UserList = request<UserListParams, { users: User[]; total: number }>('user/list');
export const UserGet = request<{ userId: number }, UserDetail>('user/get');
export const UserResyncCandidates = request<{ userId: number; realmId: number }, DirectoryEntry[]>(
  'user/resyncCandidates',
);
export interface UserResyncParams {
  userId: number;
  realmId: number;
  uuid?: string;
  dn?: string;
  dryRun?: boolean;
}
export const UserResync = request<UserResyncParams, { user: User; changes: FieldChange[] }>('user/resync');
export type UserConvertParams =
  | { userId: number; to: 'internal' }
  | { userId: number; to: 'external'; realmId: number; uuid?: string; dn?: string };
export const UserConvert = request<UserConvertParams, User>('user/convert');
export const UserSetLoginEnabled = request<{ userIds: number[]; enabled: boolean }, User[]>('user/setLoginEnabled');
export interface UserFields {
  displayName?: string;
  givenName?: string;
  surname?: string;
  email?: string;
  department?: string;
  title?: string;
  phone?: string;
}
export interface CreateInternalParams extends UserFields {
  username: string;
  displayName: string;
  roles?: RoleRef[];
}
export const UserCreateInternal = request<CreateInternalParams, User>('user/createInternal');
/** Added to the contract: edit an internal user's fields (external users' fields come from LDAP). */
export const UserUpdate = request<{ userId: number; fields: UserFields }, User>('user/update');
export const UserDelete = request<{ userIds: number[] }, { deleted: number }>('user/delete');

// ── Roles and audit ──────────────────────────────────────────────────────────
export const RoleList = request<Record<string, never>, Role[]>('role/list');
export const RoleSave = request<{ role: { id?: number; name: string; description?: string } }, Role>('role/save');
export type RoleAssignMode = 'add' | 'remove' | 'replace';
export const RoleAssign = request<{ userIds: number[]; roles: RoleRef[]; mode: RoleAssignMode }, { updated: number }>(
  'role/assign',
);
export type RoleCopyMode = 'merge' | 'replace';
export const RoleCopy = request<{ fromUserId: number; toUserIds: number[]; mode: RoleCopyMode }, { updated: number }>(
  'role/copy',
);
export const AuditList = request<{ userId?: number; realmId?: number; limit?: number }, AuditEntry[]>('audit/list');

// ── Backend → client ─────────────────────────────────────────────────────────
export interface SecretGetParams {
  realmId: number;
  url: string;
  bindDn: string;
}
export const SecretGet = request<SecretGetParams, { password: string } | null>('secret/get');
export const StoreDidChange = notification<{ realmIds?: number[]; userIds?: number[] }>('store/didChange');
export interface OperationProgress {
  operationId: string;
  done: number;
  total?: number;
  message: string;
}
export const OperationProgressNotification = notification<OperationProgress>('operation/progress');
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export const LogMessage = notification<{ level: LogLevel; message: string }>('log/message');
