// User detail page: an external user's LDAP fields are read-only (they come from the directory);
// roles and login can be changed; an internal user's fields are edited here (user/update).
import { ErrorCodes } from '../../protocol/errors';
import { RoleAssign, UserConvert, UserGet, UserSetLoginEnabled, UserUpdate } from '../../protocol/rpc';
import {
  UserPageConvert,
  UserPageReady,
  UserPageResync,
  UserPageSaveFields,
  UserPageSetLogin,
  UserPageSetRoles,
} from '../../protocol/webview';
import { KnownIds, refuseWhenReadOnly, summarizeRealm, type PageHostDeps } from './pageHostDeps';
import { handler, PageError, type PageHandler } from './pageRouter';

export function userPageHandlers(deps: PageHostDeps, known: KnownIds, userId: number): PageHandler[] {
  const detail = () => deps.backend.request(UserGet, { userId });
  return [
    handler(UserPageReady, async () => {
      const [d] = await Promise.all([detail(), known.load()]);
      return { detail: d, roles: known.roleList(), realms: known.realmList().map(summarizeRealm), readOnly: deps.readOnly() };
    }),
    handler(UserPageSetRoles, async ({ roleIds }) => {
      refuseWhenReadOnly(deps);
      const ids = await known.roleIds(roleIds);
      await deps.backend.request(RoleAssign, { userIds: [userId], roles: ids.map((roleId) => ({ roleId })), mode: 'replace' });
      return { detail: await detail() };
    }),
    handler(UserPageSetLogin, async ({ enabled }) => {
      refuseWhenReadOnly(deps);
      await deps.backend.request(UserSetLoginEnabled, { userIds: [userId], enabled });
      return { detail: await detail() };
    }),
    handler(UserPageSaveFields, async ({ fields }) => {
      refuseWhenReadOnly(deps);
      const current = await detail();
      if (current.user.category !== 'internal') {
        throw new PageError(
          ErrorCodes.invalidInput,
          'An external user’s fields come from LDAP. Use Resynchronize to update them, or convert the user to internal first.',
          { field: 'fields' },
        );
      }
      await deps.backend.request(UserUpdate, { userId, fields });
      return { detail: await detail() };
    }),
    handler(UserPageResync, async () => {
      const current = await detail();
      if (current.user.category !== 'external') {
        throw new PageError(ErrorCodes.invalidInput, 'Only external users can be resynchronized.');
      }
      await deps.commands.openResync(userId);
      return null;
    }),
    handler(UserPageConvert, async () => {
      refuseWhenReadOnly(deps);
      const current = await detail();
      if (current.user.category === 'internal') {
        await deps.commands.convertToExternal(userId);
        return { detail: await detail() };
      }
      const ok = await deps.dialogs.confirm(
        `Convert “${current.user.username}” to an internal user? Its fields will no longer be updated from LDAP; roles stay.`,
        'Convert to Internal',
      );
      if (!ok) {
        return null;
      }
      await deps.backend.request(UserConvert, { userId, to: 'internal' });
      return { detail: await detail() };
    }),
  ];
}
