// Volume: a directory with 20,000 users by default (LDAPUM_VOLUME_USERS=100000 for the full-size
// run: on a loaded 2-core machine slapd alone needs ~8 s and ldapts ~35 s to page through 100,000
// entries, so search + import + resync of 100,000 take ~3 min — too long for every `npm test`),
// seeded without substring indexes, read by the size-limited reader account (500 entries per
// non-paged search).
// Expected: realm/search with a limit below the population returns exactly `limit` entries and
// says `truncated`; at the highest limit (100,000) every entry comes back, not truncated; a page size above the server's per-search limit is either served completely or
// refused with a clear error — never silently cut at 500; importing every user applies
// every one of them in one write; a resync then finds nobody missing; the backend stays responsive.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import type { Realm } from '../../protocol/model';
import { RealmResync, RealmSave, RealmSearch, RoleList, UserImport, UserList } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryFault } from '../support/reliabilityTally';
import { slapdRealm, timed } from './reliabilitySupport';

const users = Number(process.env.LDAPUM_VOLUME_USERS ?? 20_000);
const category = 'volume';
let slapd: SlapdHandle;
let backend: BackendHandle;
let realm: Realm;

before(async () => {
  slapd = await startSlapd({ users, substringIndexes: false, readyTimeoutMs: 60_000 });
  backend = await startBackend({ secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : null), requestTimeoutMs: 120_000 });
  realm = await backend.request(RealmSave, { realm: slapdRealm(slapd, { pageSize: 1000, timeoutMs: 60_000 }) });
});

after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

test(`${users} users: search, page size above the server limit, import all, resync`, { timeout: 170_000 }, async (t) => {
  const total = slapd.users.length; // regular + awkward users

  await tryFault(category, `search of all ${total} entries (limit 100,000)`, async () => {
    const { ms, value, error } = await timed(backend.request(RealmSearch, { realmId: realm.id, query: '*', limit: 100_000 }));
    assert.equal(error, undefined, String(error));
    assert.equal(value!.entries.length, Math.min(total, 100_000));
    assert.equal(value!.truncated, total > 100_000, 'truncated says whether there were more');
    assert.equal(new Set(value!.entries.map((e) => e.uuid)).size, value!.entries.length, 'no duplicates');
    t.diagnostic(`search of ${value!.entries.length}: ${Math.round(ms)} ms`);
  });

  await tryFault(category, 'search stopped at its limit says truncated', async () => {
    const limit = Math.floor(total / 2);
    const value = await backend.request(RealmSearch, { realmId: realm.id, query: '*', limit });
    assert.equal(value.entries.length, limit);
    assert.equal(value.truncated, true);
  });

  await tryFault(category, 'page size 5000 above the reader limit 500: never silently cut', async () => {
    const small = await backend.request(RealmSave, { realm: slapdRealm(slapd, { name: 'Pages of 5000', pageSize: 5000, timeoutMs: 60_000 }) });
    const outcome = await timed(backend.request(RealmSearch, { realmId: small.id, query: 'engineering', mode: 'keyword', limit: 100_000 }));
    if (outcome.error) {
      const code = (outcome.error as { code?: number }).code;
      assert.ok(code === ErrorCodes.sizeLimit || code === ErrorCodes.invalidInput, `a clear error, got ${String(outcome.error)}`);
    } else {
      const expected = slapd.users.filter((u) => /engineering/i.test(`${u.uid} ${u.cn} ${u.givenName ?? ''} ${u.sn} ${u.mail ?? ''}`)).length;
      assert.equal(outcome.value!.entries.length, expected, 'every matching entry, not the first 500');
    }
  });

  await tryFault(category, `import of all ${users} users in one request`, async () => {
    const refs = slapd.users.slice(0, users).map((u) => ({ username: u.uid }));
    const { ms, value, error } = await timed(backend.request(UserImport, { realmId: realm.id, entries: refs }, { timeoutMs: 150_000 }));
    assert.equal(error, undefined, String(error));
    assert.equal(value!.created, users);
    assert.equal(value!.failed.length, 0);
    t.diagnostic(`import of ${users}: ${Math.round(ms)} ms`);
    assert.equal((await backend.request(UserList, { realmId: realm.id, limit: 1 })).total, users);
    // Still responsive.
    const ping = await timed(backend.request(RoleList, {}));
    assert.ok(ping.ms < 2000, `role/list took ${Math.round(ping.ms)} ms`);
  });

  await tryFault(category, `resync of ${users} users`, async () => {
    const { ms, value, error } = await timed(backend.request(RealmResync, { realmId: realm.id }, { timeoutMs: 150_000 }));
    assert.equal(error, undefined, String(error));
    assert.equal(value!.missing, 0);
    assert.equal(value!.updated, 0, 'nothing changed in the directory');
    t.diagnostic(`resync of ${users}: ${Math.round(ms)} ms`);
  });
});
