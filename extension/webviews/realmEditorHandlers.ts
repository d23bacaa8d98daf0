// Directory editor (Add / Edit Directory): test a configuration before saving it, save it, and
// keep its bind password in SecretStorage (bound to url + bind DN) — never in the page's HTML,
// its state, or the database.
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmSave, RealmTest } from '../../protocol/rpc';
import { RealmEditorBrowseCa, RealmEditorReady, RealmEditorSave, RealmEditorTest } from '../../protocol/webview';
import { KnownIds, refuseWhenReadOnly, refuseWhenUntrusted, type PageHostDeps } from './pageHostDeps';
import { handler, PageError, type PageHandler } from './pageRouter';

/** The realm a panel edits: its id (it gets one after the first save of a new directory). */
export interface RealmEditorSubject {
  realmId: number | null;
  /** Called after a new directory's first save, so the panel is found by its id from then on. */
  onCreated(realmId: number): void;
}

export function realmEditorHandlers(deps: PageHostDeps, known: KnownIds, subject: RealmEditorSubject): PageHandler[] {
  /** A page edits only its own realm: an id in the message must be the panel's. */
  const checkId = async (realm: RealmInput): Promise<RealmInput> => {
    if (realm.id !== undefined && realm.id !== subject.realmId) {
      throw new PageError(ErrorCodes.invalidInput, 'This page edits another directory.', { field: 'realm.id' });
    }
    if (subject.realmId !== null) {
      await known.realm(subject.realmId, 'realm.id');
      return { ...realm, id: subject.realmId };
    }
    return realm;
  };
  return [
    handler(RealmEditorReady, async () => {
      await known.load();
      const realm = subject.realmId === null ? null : await known.realm(subject.realmId);
      return {
        realm,
        hasPassword: realm ? await deps.secrets.hasPassword(realm) : false,
        readOnly: deps.readOnly(),
      };
    }),
    handler(RealmEditorTest, async (params, ctx) => {
      refuseWhenUntrusted(deps);
      const realm = await checkId(params.realm);
      return deps.backend.request(RealmTest, { realm, password: params.password || undefined, operationId: ctx.operationId }, ctx.token);
    }),
    handler(RealmEditorSave, async (params) => {
      refuseWhenReadOnly(deps);
      const input = await checkId(params.realm);
      const saved = await deps.backend.request(RealmSave, { realm: input });
      if (subject.realmId === null) {
        subject.realmId = saved.id;
        subject.onCreated(saved.id);
      }
      if (params.password) {
        await deps.secrets.storePassword(saved, params.password);
      }
      await known.load();
      return { realm: saved, hasPassword: await deps.secrets.hasPassword(saved) };
    }),
    handler(RealmEditorBrowseCa, async () => ({ path: await deps.dialogs.pickCaFile() })),
  ];
}
