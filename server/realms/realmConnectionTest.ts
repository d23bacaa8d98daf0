// realm/test: walks resolve → connect → tls → bind → search and reports each step with its time
// and, when it fails, the admin-readable reason. A failing directory is a result (ok: false),
// not an error; only cancellation rejects.
import { ResponseError } from 'vscode-jsonrpc';
import type { RealmTestStep } from '../../protocol/model';
import { withDirectorySession, type RootDseInfo } from '../ldap/directorySession';
import { mapEntry, requestedAttributes, type MappedEntry } from '../ldap/entryMapping';
import { requestCancelledCode, toDirectoryError } from '../ldap/ldapErrors';
import { andWithUserFilter } from '../ldap/searchFilters';
import { parseLdapUrl } from '../ldap/ldapUrl';
import type { DirectoryRealm } from './directoryReader';

export const sampleSize = 5;

export interface ConnectionTestOutcome {
  ok: boolean;
  steps: RealmTestStep[];
  sample: MappedEntry[];
  serverInfo?: RootDseInfo;
  /** The error of the failed step (its code is what realm/test callers may want to show). */
  error?: ResponseError<unknown>;
}

export async function testRealmConnection(realm: DirectoryRealm, password: string | undefined, signal?: AbortSignal): Promise<ConnectionTestOutcome> {
  const steps: RealmTestStep[] = [];
  const sample: MappedEntry[] = [];
  let serverInfo: RootDseInfo | undefined;
  try {
    await withDirectorySession(realm, { password, signal, onStep: (s) => steps.push(s) }, async (session) => {
      const started = performance.now();
      try {
        const wanted = requestedAttributes(realm);
        let unmappable = 0;
        for await (const page of session.pages({ filter: andWithUserFilter(realm, undefined), ...wanted, pageSize: sampleSize })) {
          for (const raw of page) {
            const m = mapEntry(raw, realm);
            if (m.ok) sample.push({ entry: m.entry, rawAttributes: m.rawAttributes });
            else unmappable++;
          }
          break; // one page is enough for a sample
        }
        const found = sample.length + unmappable;
        steps.push({
          name: 'search',
          ok: true,
          ms: Math.round((performance.now() - started) * 10) / 10,
          message:
            found === 0
              ? `No user matches the user filter under ${realm.baseDn}. Check the base DN, the scope and the user filter.`
              : `Found users under ${realm.baseDn}${unmappable ? ` (${unmappable} of the first ${found} lack the ${realm.attributes.uuid} or ${realm.attributes.username} attribute)` : ''}.`,
        });
      } catch (err) {
        const mapped = toDirectoryError(err, session.errorContext('search'));
        if (mapped.code === requestCancelledCode) throw mapped;
        steps.push({ name: 'search', ok: false, ms: Math.round((performance.now() - started) * 10) / 10, message: mapped.message, code: mapped.code });
        throw mapped;
      }
      // Server information is a bonus: its failure does not fail the test.
      serverInfo = await session.rootDse().catch(() => undefined);
    });
    return { ok: true, steps, sample, ...(serverInfo ? { serverInfo } : {}) };
  } catch (err) {
    const mapped = toDirectoryError(err, {
      realmName: realm.name,
      realmId: realm.id,
      endpoint: endpointText(realm.url),
      phase: 'connect',
    });
    if (mapped.code === requestCancelledCode) throw mapped;
    // A failure the session reported no step for (should not happen) still shows up.
    if (!steps.some((s) => !s.ok)) steps.push({ name: 'connect', ok: false, ms: 0, message: mapped.message, code: mapped.code });
    return { ok: false, steps, sample, error: mapped };
  }
}

function endpointText(url: string): string {
  try {
    const e = parseLdapUrl(url);
    return `${e.host}:${e.port}`;
  } catch {
    return url;
  }
}

