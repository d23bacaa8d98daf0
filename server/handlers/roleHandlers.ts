// role/list, role/save, role/assign, role/copy: the role catalogue and role assignments
// (TWCloud's "Set Roles" and "copy roles from another user"), each write audited.
import { RoleAssign, RoleCopy, RoleList, RoleSave, type RoleAssignMode, type RoleCopyMode } from '../../protocol/rpc';
import type { RoleRef } from '../../protocol/model';
import type { HandlerModule } from '../backendContext';
import { asObject, type RequestValues } from '../requestValues';
import { withAudit } from '../users/audit';
import { requireUser } from '../users/lifecycle';
import { assignRoles, copyRoles } from '../users/roleMerge';
import { listRoles, readUserAssignments, resolveRoleRefs, roleNames, saveRole, writeUserAssignments } from '../users/roles';

const maxUsersPerRequest = 200_000;

/** RoleRefs from a request list: { roleId } or { name }, optional scope. */
export function readRoleRefs(params: RequestValues, name: string): RoleRef[] | undefined {
  return params.optionalArray(name, { maxLength: 1000 }, (value, field) => {
    const ref = asObject(value, field).onlyKnown('roleId', 'name', 'scope');
    const out: RoleRef = {};
    const roleId = ref.optionalInteger('roleId', { min: 1 });
    const roleName = ref.optionalString('name', { maxLength: 200, nonEmpty: true });
    const scope = ref.optionalString('scope', { maxLength: 500 });
    if (roleId !== undefined) out.roleId = roleId;
    if (roleName !== undefined) out.name = roleName;
    if (scope !== undefined && scope.trim() !== '') out.scope = scope.trim();
    return out;
  });
}

export const registerRoleHandlers: HandlerModule = (ctx) => {
  ctx.handle(RoleList, () => listRoles(ctx.requireStore().db));

  ctx.handle(RoleSave, (params) => {
    const role = params.object('role').onlyKnown('id', 'name', 'description');
    const input = {
      id: role.optionalInteger('id', { min: 1 }),
      name: role.string('name', { maxLength: 100, nonEmpty: true }),
      description: role.optionalString('description', { maxLength: 1000 }),
    };
    return ctx.write((store) => withAudit(store.db, ctx.clientName, new Date().toISOString(), (audit) => saveRole(store.db, input, audit)), {});
  });

  ctx.handle(RoleAssign, (params) => {
    params.onlyKnown('userIds', 'roles', 'mode');
    const userIds = params.idArray('userIds', { maxLength: maxUsersPerRequest, minLength: 1 });
    const refs = readRoleRefs(params, 'roles') ?? [];
    const mode = params.oneOf<RoleAssignMode>('mode', ['add', 'remove', 'replace']);
    return ctx.write(
      (store) =>
        withAudit(store.db, ctx.clientName, new Date().toISOString(), (audit) => {
          const given = resolveRoleRefs(store.db, refs);
          const names = roleNames(store.db);
          const updated: number[] = [];
          for (const id of new Set(userIds)) {
            const user = requireUser(store.db, id, 'userIds');
            const next = assignRoles(readUserAssignments(store.db, id), given, mode);
            if (writeUserAssignments(store.db, user, next, audit, names)) updated.push(id);
          }
          return updated;
        }),
      (updated) => (updated.length ? { userIds: updated } : undefined),
    ).then((updated) => ({ updated: updated.length }));
  });

  ctx.handle(RoleCopy, (params) => {
    params.onlyKnown('fromUserId', 'toUserIds', 'mode');
    const fromUserId = params.integer('fromUserId', { min: 1 });
    const toUserIds = params.idArray('toUserIds', { maxLength: maxUsersPerRequest, minLength: 1 });
    const mode = params.oneOf<RoleCopyMode>('mode', ['merge', 'replace']);
    return ctx.write(
      (store) =>
        withAudit(store.db, ctx.clientName, new Date().toISOString(), (audit) => {
          requireUser(store.db, fromUserId, 'fromUserId');
          const source = readUserAssignments(store.db, fromUserId);
          const names = roleNames(store.db);
          const updated: number[] = [];
          for (const id of new Set(toUserIds)) {
            if (id === fromUserId) continue;
            const user = requireUser(store.db, id, 'toUserIds');
            const next = copyRoles(readUserAssignments(store.db, id), source, mode);
            if (writeUserAssignments(store.db, user, next, audit, names)) updated.push(id);
          }
          return updated;
        }),
      (updated) => (updated.length ? { userIds: updated } : undefined),
    ).then((updated) => ({ updated: updated.length }));
  });
};
