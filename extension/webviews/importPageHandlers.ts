// Import LDAP users page (protocol/webview.ts ImportReady … ImportRolesOfUser): searches one or
// every enabled realm, previews (dryRun) and runs imports realm by realm, and looks up the roles
// of a user for "Copy roles from user…".
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { ImportReport } from '../../protocol/model';
import { RealmSearch, UserGet, UserImport, UserList } from '../../protocol/rpc';
import {
  ImportReady,
  ImportRolesOfUser,
  ImportRun,
  ImportSearch,
  type ImportRow,
  type ImportRunResult,
  type ImportSearchResult,
} from '../../protocol/webview';
import { KnownIds, refuseWhenReadOnly, refuseWhenUntrusted, summarizeRealm, type PageHostDeps } from './pageHostDeps';
import { handler, PageError, type PageHandler } from './pageRouter';
import { mergeReports } from './reportMerge';

export function importPageHandlers(deps: PageHostDeps, known: KnownIds, preselectedRealmId: number | null): PageHandler[] {
  return [
    handler(ImportReady, async () => {
      await known.load();
      const roles = known.roleList();
      const defaultNames = new Set(deps.settings.defaultRoleNames().map((n) => n.toLowerCase()));
      const realms = known.realmList();
      return {
        realms: realms.map(summarizeRealm),
        roles,
        preselectedRealmId: preselectedRealmId !== null && realms.some((r) => r.id === preselectedRealmId) ? preselectedRealmId : null,
        searchLimit: deps.settings.searchLimit(),
        defaultRoleIds: roles.filter((r) => defaultNames.has(r.name.toLowerCase())).map((r) => r.id),
        readOnly: deps.readOnly(),
      };
    }),

    handler(ImportSearch, async (params, ctx): Promise<ImportSearchResult> => {
      refuseWhenUntrusted(deps);
      const limit = deps.settings.searchLimit();
      if (params.realmId !== null) {
        const realm = await known.realm(params.realmId);
        const result = await deps.backend.request(
          RealmSearch,
          { realmId: realm.id, query: params.query, mode: params.mode, limit, operationId: ctx.operationId },
          ctx.token,
        );
        return {
          rows: result.entries.map((e): ImportRow => ({ ...e, realmId: realm.id, realmName: realm.name })),
          truncated: result.truncated,
          elapsedMs: result.elapsedMs,
          failures: [],
        };
      }
      await known.settled();
      const realms = known.realmList().filter((r) => r.enabled);
      if (realms.length === 0) {
        throw new PageError(ErrorCodes.realmNotFound, 'No enabled directory to search. Add a directory or enable one first.', { field: 'realmId' });
      }
      const started = Date.now();
      const settled = await Promise.allSettled(
        realms.map((realm) =>
          deps.backend.request(
            RealmSearch,
            { realmId: realm.id, query: params.query, mode: params.mode, limit, operationId: ctx.operationId && `${ctx.operationId}:${realm.id}` },
            ctx.token,
          ),
        ),
      );
      const out: ImportSearchResult = { rows: [], truncated: false, elapsedMs: 0, failures: [] };
      settled.forEach((s, i) => {
        const realm = realms[i]!;
        if (s.status === 'fulfilled') {
          out.rows.push(...s.value.entries.map((e): ImportRow => ({ ...e, realmId: realm.id, realmName: realm.name })));
          out.truncated ||= s.value.truncated;
        } else {
          out.failures.push({ realmId: realm.id, realmName: realm.name, message: errorText(s.reason) });
        }
      });
      if (out.failures.length === realms.length) {
        // Nothing to show: report the first realm's error as the error of the search.
        const first = settled[0] as PromiseRejectedResult;
        throw first.reason;
      }
      out.elapsedMs = Date.now() - started;
      return out;
    }),

    handler(ImportRun, async (params, ctx): Promise<ImportRunResult> => {
      refuseWhenUntrusted(deps);
      if (!params.dryRun) {
        refuseWhenReadOnly(deps);
      }
      const roleIds = await known.roleIds(params.roleIds);
      const realms = [];
      for (const [i, selection] of params.selections.entries()) {
        realms.push(await known.realm(selection.realmId, `selections[${i}].realmId`));
        selection.entries.forEach((e, j) => {
          if (!e.uuid && !e.dn && !e.username) {
            throw new PageError(ErrorCodes.invalidInput, 'Each selected entry needs a uuid, dn or username.', { field: `selections[${i}].entries[${j}]` });
          }
        });
      }
      const perRealm: ImportRunResult['realms'] = [];
      for (const [i, selection] of params.selections.entries()) {
        if (ctx.token.isCancellationRequested) {
          break;
        }
        const realm = realms[i]!;
        const report: ImportReport = await deps.backend.request(
          UserImport,
          {
            realmId: realm.id,
            entries: selection.entries,
            roles: roleIds.map((roleId) => ({ roleId })),
            dryRun: params.dryRun,
            operationId: ctx.operationId && (params.selections.length > 1 ? `${ctx.operationId}:${realm.id}` : ctx.operationId),
          },
          ctx.token,
        );
        perRealm.push({ realmId: realm.id, realmName: realm.name, report });
      }
      return { report: mergeReports(perRealm.map((r) => r.report)), realms: perRealm };
    }),

    handler(ImportRolesOfUser, async ({ username }) => {
      const { users } = await deps.backend.request(UserList, { text: username, limit: 50 });
      const user = users.find((u) => u.username.toLowerCase() === username.trim().toLowerCase());
      if (!user) {
        throw new PageError(ErrorCodes.invalidInput, `No user named “${username.trim()}” in the registry. Check the spelling (the whole username).`, { field: 'username' });
      }
      const detail = await deps.backend.request(UserGet, { userId: user.id });
      return { userId: user.id, username: user.username, roleIds: [...new Set(detail.roles.map((r) => r.roleId))] };
    }),
  ];
}

function errorText(err: unknown): string {
  if (err instanceof ResponseError || err instanceof Error) {
    return err.message;
  }
  return String(err);
}
