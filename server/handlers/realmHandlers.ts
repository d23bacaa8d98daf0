// realm/list, realm/save, realm/delete, realm/test, realm/search (PROTOCOL.md "Realms").
// Validation happens before any network or disk work; passwords come from the client per
// request and are never stored; long requests report progress and honour $/cancelRequest.
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import type { DirectoryEntry, RealmTestResult, SearchMode, SearchResult } from '../../protocol/model';
import { RealmDelete, RealmList, RealmSave, RealmSearch, RealmTest, type RealmUsersOnDelete } from '../../protocol/rpc';
import type { HandlerModule } from '../backendContext';
import type { UnmappableEntry } from '../ldap/entryMapping';
import { buildSearchFilter } from '../ldap/searchFilters';
import { readDirectoryEntries } from '../realms/directoryReader';
import { withEntryStatus } from '../realms/entryStatus';
import { abortSignalFor, realmPassword, requireRealm } from '../realms/realmAccess';
import { testRealmConnection } from '../realms/realmConnectionTest';
import { validateRealmInput } from '../realms/realmInput';
import type { RequestValues } from '../requestValues';
import type { Store } from '../store/store';
import { withAudit } from '../users/audit';
import { detachRealmUsers } from '../users/lifecycle';
import { InMemoryRegistry, type RegistryView } from '../users/registryView';
import { roleNames } from '../users/roles';
import { DatabaseRegistry, readAllRegistryUsers } from '../users/userRows';

export const defaultSearchLimit = 1000;
export const maxSearchLimit = 100_000;
const searchModes: readonly SearchMode[] = ['auto', 'username', 'keyword', 'filter'];

function invalid(field: string, message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidInput, message, { field });
}

/** A registry view sized to the job: one bulk read for many entries, per-entry queries for a few. */
function registryFor(store: Store, entryCount: number): RegistryView {
  return entryCount > 200 ? new InMemoryRegistry(readAllRegistryUsers(store.db)) : new DatabaseRegistry(store.db);
}

/** An entry without identity or username is still shown, marked as not importable. */
function unmappableAsEntry(u: UnmappableEntry): DirectoryEntry {
  return {
    dn: u.dn,
    uuid: '',
    username: u.username ?? '',
    displayName: '',
    givenName: '',
    surname: '',
    email: '',
    department: '',
    title: '',
    phone: '',
    disabled: false,
    status: 'conflict',
    conflict: u.reason,
  };
}

function operationIdOf(params: RequestValues): string | undefined {
  return params.optionalString('operationId', { maxLength: 200 });
}

export const registerRealmHandlers: HandlerModule = (ctx) => {
  ctx.handle(RealmList, (params) => {
    params.onlyKnown();
    return ctx.requireStore().realms.list();
  });

  ctx.handle(RealmSave, (params) => {
    params.onlyKnown('realm');
    if (!params.has('realm')) throw invalid('realm', 'realm is required: { name, kind, url, bindDn, baseDn, ... }.');
    const input = validateRealmInput(params.raw('realm'), { fieldPrefix: 'realm.' });
    const store = ctx.requireWritable();
    const sameName = store.realms.findByName(input.name);
    if (sameName && sameName.id !== input.id) {
      throw invalid('realm.name', `A realm named "${sameName.name}" already exists; choose another name.`);
    }
    const { id, ...record } = input;
    if (id !== undefined) {
      const existing = requireRealm(store, id);
      if (existing.attributes.uuid.toLowerCase() !== record.attributes.uuid.toLowerCase()) {
        const linked = store.users.list({ realmId: id, category: 'external' }).users.filter((u) => u.ldapUuid).length;
        if (linked > 0) {
          throw invalid(
            'realm.attributes.uuid',
            `Realm "${existing.name}" has ${linked} imported user(s) identified by ${existing.attributes.uuid}; changing the UUID attribute to ${record.attributes.uuid} would unlink them all. Create a new realm instead, or delete this one's users first.`,
          );
        }
      }
    }
    return ctx.write(
      (s) => {
        if (id === undefined) return s.realms.insert(record);
        const updated = s.realms.update(id, record);
        if (!updated) throw new ResponseError<ErrorData>(ErrorCodes.realmNotFound, `Realm ${id} does not exist (it may have been deleted).`, { realmId: id });
        return updated;
      },
      (realm) => ({ realmIds: [realm.id] }),
    );
  });

  ctx.handle(RealmDelete, (params) => {
    params.onlyKnown('realmId', 'users');
    const realmId = params.integer('realmId', { min: 1 });
    const mode = params.oneOf<RealmUsersOnDelete>('users', ['keep', 'convertToInternal', 'delete']);
    const store = ctx.requireWritable();
    const realm = requireRealm(store, realmId);
    return ctx.write(
      (s) =>
        withAudit(s.db, ctx.clientName, new Date().toISOString(), (audit) => {
          const affectedUsers = detachRealmUsers(s.db, realmId, mode, new Date().toISOString(), audit, roleNames(s.db));
          audit.record({
            action: 'realm.delete',
            realmId,
            changes: [
              { field: 'realm', before: `${realm.name} (${realm.url})`, after: null },
              { field: 'users', before: String(affectedUsers), after: mode },
            ],
          });
          s.realms.delete(realmId);
          return { affectedUsers };
        }),
      () => ({ realmIds: [realmId] }),
    );
  });

  ctx.handle(RealmTest, async (params, token): Promise<RealmTestResult> => {
    params.onlyKnown('realmId', 'realm', 'password', 'operationId');
    const store = ctx.requireStore();
    const operationId = operationIdOf(params);
    let realm;
    let password: string | undefined;
    if (params.has('realmId')) {
      if (params.has('realm')) throw invalid('realm', 'Give either realmId (a saved realm) or realm (unsaved settings), not both.');
      realm = requireRealm(store, params.integer('realmId', { min: 1 }));
      password = params.optionalString('password', { maxLength: 1024 }) ?? (await realmPassword(ctx, realm, token));
    } else if (params.has('realm')) {
      realm = { ...validateRealmInput(params.raw('realm'), { fieldPrefix: 'realm.' }) };
      password = params.optionalString('password', { maxLength: 1024 });
      if (password === undefined && realm.id !== undefined) password = await realmPassword(ctx, { ...realm, id: realm.id }, token);
    } else {
      throw invalid('realmId', 'Give realmId (a saved realm) or realm (settings to try).');
    }
    ctx.progress(operationId, 0, 5, `Testing ${realm.name}…`);
    const outcome = await testRealmConnection(realm, password, abortSignalFor(token));
    ctx.progress(operationId, 5, 5, outcome.ok ? `${realm.name}: connection works` : `${realm.name}: ${outcome.steps.find((s) => !s.ok)?.name ?? 'test'} failed`);
    const sample = withEntryStatus(realm.id ?? 0, outcome.sample.map((m) => m.entry), new DatabaseRegistry(store.db), realm.attributes.uuid);
    return { ok: outcome.ok, steps: outcome.steps, sample, ...(outcome.serverInfo ? { serverInfo: outcome.serverInfo } : {}) };
  });

  ctx.handle(RealmSearch, async (params, token): Promise<SearchResult> => {
    params.onlyKnown('realmId', 'query', 'mode', 'limit', 'operationId');
    const realmId = params.integer('realmId', { min: 1 });
    const query = params.string('query', { maxLength: 1 << 20 });
    const mode = params.optionalOneOf<SearchMode>('mode', searchModes) ?? 'auto';
    const limit = params.optionalInteger('limit', { min: 1, max: maxSearchLimit }) ?? defaultSearchLimit;
    const operationId = operationIdOf(params);
    const store = ctx.requireStore();
    const realm = requireRealm(store, realmId);
    // Refuse a bad query before asking for a password or touching the network.
    const built = buildSearchFilter(realm, query, mode);
    const started = performance.now();
    const password = await realmPassword(ctx, realm, token);
    ctx.throwIfCancelled(token);
    ctx.progress(operationId, 0, undefined, `Searching ${realm.name}…`);
    const read = await readDirectoryEntries(realm, {
      password,
      signal: abortSignalFor(token),
      filter: built.filter,
      limit,
      // Results carry the mapped fields only: not keeping every raw value halves a big search's memory.
      keepRaw: () => undefined,
      onProgress: (n) => ctx.progress(operationId, n, undefined, `Read ${n} entries from ${realm.name}`),
    });
    ctx.throwIfCancelled(token);
    const registry = registryFor(store, read.entries.length);
    const entries = [
      ...withEntryStatus(realm.id, read.entries.map((m) => m.entry), registry, realm.attributes.uuid),
      ...read.unmappable.map(unmappableAsEntry),
    ];
    ctx.progress(operationId, entries.length, entries.length, `Found ${entries.length}${read.truncated ? '+' : ''} entries in ${realm.name}`);
    return { entries, truncated: read.truncated, elapsedMs: Math.round(performance.now() - started) };
  });
};
