// Resynchronize dialog for one external user (TWCloud's Resynchronize): pick the realm, list the
// matching LDAP entries, Start = the field changes (dryRun), Save = apply them.
import { UserGet, UserResync, UserResyncCandidates } from '../../protocol/rpc';
import { ResyncCandidates, ResyncReady, ResyncSave, ResyncStart, type ResyncPickParams } from '../../protocol/webview';
import { KnownIds, refuseWhenReadOnly, refuseWhenUntrusted, summarizeRealm, type PageHostDeps } from './pageHostDeps';
import { handler, type PageHandler } from './pageRouter';

export function resyncPageHandlers(deps: PageHostDeps, known: KnownIds, userId: number): PageHandler[] {
  const resync = async (params: ResyncPickParams, dryRun: boolean) => {
    refuseWhenUntrusted(deps);
    const realm = await known.realm(params.realmId);
    return deps.backend.request(UserResync, { userId, realmId: realm.id, uuid: params.uuid, dn: params.dn, dryRun });
  };
  return [
    handler(ResyncReady, async () => {
      const [detail] = await Promise.all([deps.backend.request(UserGet, { userId }), known.load()]);
      const realms = known.realmList();
      const realmId = detail.user.realmId;
      return {
        user: detail.user,
        realms: realms.map(summarizeRealm),
        defaultRealmId: realmId !== undefined && realms.some((r) => r.id === realmId) ? realmId : null,
        readOnly: deps.readOnly(),
      };
    }),
    handler(ResyncCandidates, async ({ realmId }) => {
      refuseWhenUntrusted(deps);
      const realm = await known.realm(realmId);
      return { entries: await deps.backend.request(UserResyncCandidates, { userId, realmId: realm.id }) };
    }),
    handler(ResyncStart, async (params) => ({ changes: (await resync(params, true)).changes })),
    handler(ResyncSave, async (params) => {
      refuseWhenReadOnly(deps);
      return resync(params, false);
    }),
  ];
}
