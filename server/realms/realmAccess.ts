// What every directory-facing request needs before it talks LDAP: the saved realm (1001 when it
// is gone), its bind password from the client's secret storage (`secret/get`, bound to the
// realm's url and bind DN so a changed URL never receives an old secret), and an AbortSignal
// that follows the request's cancellation token.
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import type { Realm } from '../../protocol/model';
import type { BackendContext, CancellationToken } from '../backendContext';
import type { Store } from '../store/store';

export function realmNotFound(realmId: number): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(
    ErrorCodes.realmNotFound,
    `Realm ${realmId} does not exist (it may have been deleted). Refresh the list of realms.`,
    { realmId },
  );
}

/** The saved realm, or 1001. */
export function requireRealm(store: Store, realmId: number): Realm {
  const realm = store.realms.get(realmId);
  if (!realm) throw realmNotFound(realmId);
  return realm;
}

/**
 * Asks the client for the realm's bind password. Undefined when it has none (or cannot answer):
 * the session then refuses to bind with a message saying to set the password.
 */
export async function realmPassword(
  ctx: BackendContext,
  realm: { id?: number; url: string; bindDn: string },
  token?: CancellationToken,
): Promise<string | undefined> {
  if (realm.id === undefined) return undefined;
  try {
    return await ctx.requestSecret({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, token);
  } catch (err) {
    ctx.log('warn', `secret/get for realm ${realm.id} failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** An AbortSignal aborted when the client cancels the request ($/cancelRequest). */
export function abortSignalFor(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}
