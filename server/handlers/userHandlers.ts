// user/* requests: listing and details, the lifecycle writes (create internal, update, convert,
// login on/off, delete) and the LDAP-backed ones (import, resync candidates, resync).
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import { attributeMapFields, type AttributeMap, type Realm, type User, type UserCategory, type UserDetail } from '../../protocol/model';
import {
  UserConvert,
  UserCreateInternal,
  UserDelete,
  UserGet,
  UserList,
  UserSetLoginEnabled,
  UserUpdate,
  type CreateInternalParams,
  type UserFields,
  type UserSortField,
} from '../../protocol/rpc';
import type { BackendContext, HandlerModule } from '../backendContext';
import type { Store } from '../store/store';
import { listAudit, withAudit } from '../users/audit';
import {
  convertToExternal,
  convertToInternal,
  createInternalUser,
  deleteUsers,
  editableFields,
  requireUser,
  setLoginEnabled,
  updateInternalUser,
} from '../users/lifecycle';
import { describeAssignments } from '../users/roleMerge';
import { resolveRoleRefs, roleNames } from '../users/roles';
import { readRoleRefs } from './roleHandlers';
import { findEntryForUser, registerDirectoryUserHandlers, requireRealm } from './userDirectoryHandlers';

const maxIdsPerRequest = 200_000;

function userOrThrow(store: Store, userId: number) {
  const user = store.users.get(userId);
  if (!user) throw new ResponseError<ErrorData>(ErrorCodes.invalidInput, `There is no user with id ${userId}; refresh the user list.`, { field: 'userId' });
  return user;
}

/**
 * The LDAP attributes of an external user as last read: the mapped ones rebuilt from the user's
 * columns under the realm's attribute names, plus the extra ones stored at import/resync.
 */
function rawAttributesOf(store: Store, user: User, realm: Realm | undefined): Record<string, string[]> {
  const raw: Record<string, string[]> = {};
  if (realm && user.category === 'external') {
    const values: Record<keyof AttributeMap, string | undefined> = {
      username: user.username,
      uuid: user.ldapUuid,
      displayName: user.displayName,
      givenName: user.givenName,
      surname: user.surname,
      email: user.email,
      department: user.department,
      title: user.title,
      phone: user.phone,
    };
    for (const field of attributeMapFields) {
      const value = values[field];
      if (value) raw[realm.attributes[field]] = [value];
    }
  }
  return { ...raw, ...store.users.rawAttributes(user.id) };
}

function userDetail(store: Store, userId: number): UserDetail {
  const user = userOrThrow(store, userId);
  const realm = user.realmId !== undefined ? store.realms.get(user.realmId) : undefined;
  const detail: UserDetail = {
    user,
    roles: store.roles.assignmentsOf(userId),
    rawAttributes: rawAttributesOf(store, user, realm),
    audit: listAudit(store.db, { userId, limit: 20 }),
  };
  if (realm) detail.realm = realm;
  return detail;
}

function registerLifecycleWrites(ctx: BackendContext): void {
  const now = () => new Date().toISOString();

  ctx.handle(UserCreateInternal, (params) => {
    params.onlyKnown('username', 'displayName', ...editableFields, 'roles');
    const input: CreateInternalParams = {
      username: params.string('username', { maxLength: 256, nonEmpty: true }),
      displayName: params.string('displayName', { maxLength: 1024, nonEmpty: true }),
    };
    for (const field of editableFields) {
      if (field === 'displayName') continue;
      const value = params.optionalString(field, { maxLength: 1024 });
      if (value !== undefined) input[field] = value;
    }
    const refs = readRoleRefs(params, 'roles');
    return ctx.write(
      (store) =>
        withAudit(store.db, ctx.clientName, now(), (audit) => {
          const roles = resolveRoleRefs(store.db, refs);
          const names = roleNames(store.db);
          return createInternalUser(store.db, input, roles, describeAssignments(roles, (id) => names.get(id) ?? `role ${id}`), now(), audit);
        }),
      (id) => ({ userIds: [id] }),
    ).then((id) => userOrThrow(ctx.requireStore(), id));
  });

  ctx.handle(UserUpdate, (params) => {
    params.onlyKnown('userId', 'fields');
    const userId = params.integer('userId', { min: 1 });
    const fieldValues = params.object('fields').onlyKnown(...editableFields);
    const fields: UserFields = {};
    for (const field of editableFields) {
      if (fieldValues.raw(field) === null) (fields as Record<string, unknown>)[field] = null;
      else {
        const value = fieldValues.optionalString(field, { maxLength: 1024 });
        if (value !== undefined) fields[field] = value;
      }
    }
    return ctx.write(
      (store) => withAudit(store.db, ctx.clientName, now(), (audit) => updateInternalUser(store.db, userId, fields, now(), audit)),
      (changes) => (changes.length ? { userIds: [userId] } : undefined),
    ).then(() => userOrThrow(ctx.requireStore(), userId));
  });

  ctx.handle(UserSetLoginEnabled, (params) => {
    params.onlyKnown('userIds', 'enabled');
    const userIds = [...new Set(params.idArray('userIds', { maxLength: maxIdsPerRequest, minLength: 1 }))];
    const enabled = params.boolean('enabled');
    return ctx.write(
      (store) => withAudit(store.db, ctx.clientName, now(), (audit) => setLoginEnabled(store.db, userIds, enabled, now(), audit)),
      (changed) => (changed.length ? { userIds: changed } : undefined),
    ).then(() => ctx.requireStore().users.getMany(userIds));
  });

  ctx.handle(UserDelete, (params) => {
    params.onlyKnown('userIds');
    const userIds = [...new Set(params.idArray('userIds', { maxLength: maxIdsPerRequest, minLength: 1 }))];
    return ctx.write(
      (store) => withAudit(store.db, ctx.clientName, now(), (audit) => deleteUsers(store.db, userIds, audit, roleNames(store.db))),
      (deleted) => (deleted ? { userIds } : undefined),
    ).then((deleted) => ({ deleted }));
  });

  ctx.handle(UserConvert, async (params, token) => {
    const to = params.oneOf<'internal' | 'external'>('to', ['internal', 'external']);
    const userId = params.integer('userId', { min: 1 });
    if (to === 'internal') {
      params.onlyKnown('userId', 'to');
      const realmId = requireUser(ctx.requireStore().db, userId).realmId;
      await ctx.write(
        (store) => withAudit(store.db, ctx.clientName, now(), (audit) => convertToInternal(store.db, userId, now(), audit)),
        { userIds: [userId], ...(realmId != null ? { realmIds: [realmId] } : {}) },
      );
      return userOrThrow(ctx.requireStore(), userId);
    }
    params.onlyKnown('userId', 'to', 'realmId', 'uuid', 'dn');
    const realmId = params.integer('realmId', { min: 1 });
    const uuid = params.optionalString('uuid', { maxLength: 200, nonEmpty: true });
    const dn = params.optionalString('dn', { maxLength: 4096, nonEmpty: true });
    const user = requireUser(ctx.requireStore().db, userId);
    if (user.category === 'external') {
      throw new ResponseError<ErrorData>(
        ErrorCodes.invalidInput,
        `"${user.username}" is already an external user; use Resynchronize to relink it to another entry.`,
        { field: 'to' },
      );
    }
    const realm = requireRealm(ctx, realmId);
    const { entry } = await findEntryForUser(ctx, realm, user, { uuid, dn }, token);
    ctx.throwIfCancelled(token);
    await ctx.write(
      (store) =>
        withAudit(store.db, ctx.clientName, now(), (audit) => convertToExternal(store.db, userId, realmId, entry, realm.attributes.uuid, now(), audit)),
      { userIds: [userId], realmIds: [realmId] },
    );
    return userOrThrow(ctx.requireStore(), userId);
  });
}

export const registerUserHandlers: HandlerModule = (ctx) => {
  ctx.handle(UserList, (params) => {
    params.onlyKnown('realmId', 'category', 'text', 'sort', 'offset', 'limit');
    const sortValues = params.optionalObject('sort')?.onlyKnown('field', 'direction');
    return ctx.requireStore().users.list({
      realmId: params.optionalInteger('realmId', { min: 1 }),
      category: params.optionalOneOf<UserCategory>('category', ['internal', 'external']),
      text: params.optionalString('text', { maxLength: 500 }),
      sort: sortValues && {
        field: sortValues.oneOf<UserSortField>('field', ['username', 'displayName', 'syncedAt', 'importedAt', 'email']),
        direction: sortValues.optionalOneOf<'asc' | 'desc'>('direction', ['asc', 'desc']) ?? 'asc',
      },
      offset: params.optionalInteger('offset', { min: 0 }),
      limit: params.optionalInteger('limit', { min: 1, max: 100_000 }),
    });
  });

  ctx.handle(UserGet, (params) => {
    params.onlyKnown('userId');
    return userDetail(ctx.requireStore(), params.integer('userId', { min: 1 }));
  });

  registerLifecycleWrites(ctx);
  registerDirectoryUserHandlers(ctx);
};
