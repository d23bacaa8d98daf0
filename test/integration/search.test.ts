// Issue 2 acceptance 6–7: realm/search against a real slapd, bound as the size-limited reader
// (non-paged searches capped at 500 entries). Each query's expected users are computed from the
// deterministic seed, so "exactly the expected users" is checked, not just "some".
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CancellationTokenSource, ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { DirectoryEntry, Realm, RealmInput } from '../../protocol/model';
import { OperationProgressNotification, RealmDelete, RealmSave, RealmSearch, UserCreateInternal, UserImport, type RealmSearchParams } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import type { SeedUser } from '../../scripts/directory/seedUsers';
import { startBackend, type BackendHandle } from '../support/backendClient';

let slapd: SlapdHandle;
let backend: BackendHandle;
let realm: Realm;

function realmInput(overrides: Partial<RealmInput> = {}): RealmInput {
  return {
    name: 'Test OpenLDAP',
    kind: 'openldap',
    url: slapd.ldapUrl,
    startTls: true,
    caCertPath: slapd.caCertPath,
    tlsServerName: 'localhost',
    bindDn: slapd.readerDn,
    baseDn: slapd.baseDn,
    pageSize: 200,
    connectTimeoutMs: 3000,
    timeoutMs: 5000,
    ...overrides,
  };
}

before(async () => {
  slapd = await startSlapd({ users: 2000 });
  backend = await startBackend({
    secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : null),
  });
  realm = await backend.request(RealmSave, { realm: realmInput() });
});
after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

async function search(query: string, extra: Partial<RealmSearchParams> = {}) {
  return backend.request(RealmSearch, { realmId: realm.id, query, limit: 100_000, ...extra });
}
function uids(entries: DirectoryEntry[]): string[] {
  return entries.map((e) => e.username).sort();
}
function seedUids(predicate: (u: SeedUser) => boolean): string[] {
  return slapd.users.filter(predicate).map((u) => u.uid).sort();
}
/** The keyword rule of PROTOCOL.md, applied to the seed: each term in one of the name fields. */
function keywordMatch(u: SeedUser, query: string): boolean {
  const fields = [u.uid, u.cn, u.givenName ?? '', u.sn, u.mail ?? ''].map((f) => f.toLowerCase());
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((term) => {
      const parts = term.split('*').filter(Boolean);
      return fields.some((f) => {
        let at = 0;
        for (const p of parts) {
          const i = f.indexOf(p, at);
          if (i < 0) return false;
          at = i + p.length;
        }
        return true;
      });
    });
}
function rejectsWith(code: number, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ResponseError, `expected a ResponseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  };
}

describe('realm/search on a real OpenLDAP directory', () => {
  test('"*" returns every user through paging, although the reader may read only 500 per search', async () => {
    assert.ok(slapd.users.length > slapd.sizeLimit * 3);
    const result = await search('*');
    assert.equal(result.truncated, false);
    assert.deepEqual(uids(result.entries), seedUids(() => true));
    assert.ok(result.entries.every((e) => e.status === 'new'), 'nothing is imported yet');
    assert.ok(result.elapsedMs >= 0);
  });

  test('a limit returns that many entries and says the result is truncated', async () => {
    const result = await search('*', { limit: 25 });
    assert.equal(result.entries.length, 25);
    assert.equal(result.truncated, true);
    const exact = await search('(uid=zoe.muller)', { limit: 1 });
    assert.equal(exact.entries.length, 1);
    assert.equal(exact.truncated, false);
  });

  test('username mode finds exactly that user, with every mapped field', async () => {
    const zoe = slapd.awkward.zoe;
    const result = await search('zoe.muller', { mode: 'username' });
    assert.equal(result.entries.length, 1);
    const e = result.entries[0];
    assert.equal(e.username, 'zoe.muller');
    assert.equal(e.dn.toLowerCase(), zoe.dn.toLowerCase());
    assert.equal(e.displayName, 'Zoë Müller');
    assert.equal(e.givenName, 'Zoë');
    assert.equal(e.surname, 'Müller');
    assert.equal(e.email, zoe.mail);
    assert.equal(e.department, 'Engineering');
    assert.equal(e.title, 'Engineer');
    assert.equal(e.phone, '+49 30 1234567');
    assert.match(e.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(e.disabled, false);
    assert.equal(e.status, 'new');
    // Exact, not substring: a prefix finds nobody.
    assert.equal((await search('zoe.mull', { mode: 'username' })).entries.length, 0);
  });

  test('multi-term keywords: every term must match one of the name fields', async () => {
    for (const query of ['alice smith', 'ALICE 10', 'emma rossi4', 'ali*ith', 'example.test wei']) {
      const expected = seedUids((u) => keywordMatch(u, query));
      assert.ok(expected.length > 0, `seed has matches for ${query}`);
      const result = await search(query);
      assert.deepEqual(uids(result.entries), expected, query);
    }
  });

  test('a raw LDAP filter is ANDed with the user filter', async () => {
    const sales = await search('(departmentNumber=Sales)');
    assert.deepEqual(uids(sales.entries), seedUids((u) => u.departmentNumber === 'Sales'));
    const two = await search('(|(uid=zoe.muller)(uid=spacey))', { mode: 'filter' });
    assert.deepEqual(uids(two.entries), ['spacey', 'zoe.muller']);
    // The reader account matches (objectClass=*) but is not a user: the user filter keeps it out.
    const all = await search('(objectClass=*)');
    assert.ok(!all.entries.some((e) => e.dn === slapd.readerDn));
    assert.equal(all.entries.length, slapd.users.length);
  });

  test('injection strings match only their literal text', async () => {
    for (const payload of ['*)(uid=*', 'x)(|(uid=*', '\\', '(', '\0', ')', '*)(|(objectClass=*', 'zoe.muller)(uid=*']) {
      const keyword = await search(payload, { mode: 'keyword' });
      // "(" and ")" occur literally in one seeded name ("Doe, John (contractor)"); nothing else matches.
      const literal = payload === '\0' ? [] : seedUids((u) => keywordMatch(u, payload));
      assert.deepEqual(uids(keyword.entries), literal, `keyword ${JSON.stringify(payload)}`);
      assert.ok(literal.length <= 1);
      const username = await search(payload, { mode: 'username' });
      assert.equal(username.entries.length, 0, `username ${JSON.stringify(payload)}`);
    }
    assert.equal((await search('*)(uid=*')).entries.length, 0, 'auto mode treats it as keywords');
    await assert.rejects(search('('), rejectsWith(ErrorCodes.invalidFilter, /not a valid LDAP filter|unclosed/));
    await assert.rejects(search('(uid=*))(|(uid=*)'), rejectsWith(ErrorCodes.invalidFilter));
  });

  test('the awkward users are found by their names', async () => {
    const cases: [string, string][] = [
      ['Zoë', 'zoe.muller'],
      ['müller', 'zoe.muller'],
      ['🚀', 'rocket.rita'],
      ['王小明', 'wang.xiaoming'],
      ['Doe, John (contractor)', 'jdoe.contractor'],
      ['Spacey McSpaceface', 'spacey'],
      ['nomail', 'nomail'],
      ['Pat Photo', 'pat.photo'],
    ];
    for (const [query, uid] of cases) {
      const result = await search(query);
      assert.deepEqual(uids(result.entries), [uid], query);
    }
    const contractor = (await search('jdoe.contractor', { mode: 'username' })).entries[0];
    assert.equal(contractor.displayName, 'Doe, John (contractor)');
    assert.equal(contractor.dn.toLowerCase(), slapd.awkward.contractor.dn.toLowerCase());
    const spacey = (await search('spacey', { mode: 'username' })).entries[0];
    assert.equal(spacey.displayName, '  Spacey McSpaceface  ', 'values are kept as the directory holds them');
    const minimal = (await search('nomail', { mode: 'username' })).entries[0];
    assert.deepEqual([minimal.email, minimal.givenName, minimal.department], ['', '', '']);
  });

  test('bad queries are refused before the directory is asked', async () => {
    await assert.rejects(search('   '), rejectsWith(ErrorCodes.invalidInput, /Type a user name/));
    await assert.rejects(search('x'.repeat(1 << 20)), rejectsWith(ErrorCodes.invalidInput, /longer than/));
    await assert.rejects(search('(!'.repeat(1000) + '(uid=x)' + ')'.repeat(1000), { mode: 'filter' }), rejectsWith(ErrorCodes.invalidFilter, /nested more than 32/));
    await assert.rejects(search('(!'.repeat(10_000) + '(uid=x)' + ')'.repeat(10_000), { mode: 'filter' }), rejectsWith(ErrorCodes.invalidInput, /longer than/));
    await assert.rejects(backend.request(RealmSearch, { realmId: 9999, query: '*' }), rejectsWith(ErrorCodes.realmNotFound));
  });

  test('progress notifications carry the operation id while a search reads pages', async () => {
    const operationId = `search-${Date.now()}`;
    const result = await search('*', { operationId });
    const progress = backend.notifications(OperationProgressNotification).filter((p) => p.operationId === operationId);
    assert.ok(progress.length >= 2, `got ${progress.length} progress notifications`);
    const last = progress[progress.length - 1];
    assert.equal(last.done, result.entries.length);
    assert.equal(last.total, result.entries.length);
    const dones = progress.map((p) => p.done);
    assert.deepEqual(dones, [...dones].sort((a, b) => a - b), 'done never goes backwards');
  });

  test('a search can be cancelled: it ends at once, long before the timeout', async () => {
    await slapd.pause();
    try {
      const source = new CancellationTokenSource();
      const started = performance.now();
      const pending = backend.request(RealmSearch, { realmId: realm.id, query: '*' }, { token: source.token });
      setTimeout(() => source.cancel(), 300);
      await assert.rejects(pending, rejectsWith(-32800));
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 2500, `cancelled after ${elapsed} ms (timeout is 5000 ms)`);
    } finally {
      await slapd.resume();
    }
    // The next search works on a fresh connection.
    assert.equal((await search('zoe.muller', { mode: 'username' })).entries.length, 1);
  });

  test('a frozen server fails the search within the operation timeout (1104)', async () => {
    const fast = await backend.request(RealmSave, { realm: realmInput({ name: 'Fast timeout', timeoutMs: 1500 }) });
    await slapd.pause();
    try {
      const started = performance.now();
      await assert.rejects(backend.request(RealmSearch, { realmId: fast.id, query: '*' }), rejectsWith(ErrorCodes.timeout, /did not answer/));
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= 1400 && elapsed < 5000, `failed after ${elapsed} ms`);
    } finally {
      await slapd.resume();
    }
  });

  test('statuses follow the registry: imported, changed after a directory edit, conflict on a taken username', async () => {
    const statusRealm = await backend.request(RealmSave, { realm: realmInput({ name: 'Statuses' }) });
    const find = async (uid: string) =>
      (await backend.request(RealmSearch, { realmId: statusRealm.id, query: uid, mode: 'username' })).entries[0];
    const wang = await find('wang.xiaoming');
    assert.equal(wang.status, 'new');
    const report = await backend.request(UserImport, { realmId: statusRealm.id, entries: [{ uuid: wang.uuid }] });
    assert.equal(report.created, 1, JSON.stringify(report));
    const imported = await find('wang.xiaoming');
    assert.equal(imported.status, 'imported');
    assert.ok(imported.userId! > 0);

    await slapd.ldapModify(`dn: ${slapd.awkward.cjk.dn}\nchangetype: modify\nreplace: title\ntitle: 销售总监\n`);
    const changed = await find('wang.xiaoming');
    assert.equal(changed.status, 'changed');
    assert.equal(changed.userId, imported.userId);
    assert.equal(changed.title, '销售总监');

    await backend.request(UserCreateInternal, { username: 'SPACEY', displayName: 'Another Spacey' });
    const taken = await find('spacey');
    assert.equal(taken.status, 'conflict');
    assert.match(taken.conflict ?? '', /internal user/);

    // The same statuses in a bulk search (the in-memory registry path).
    const all = (await backend.request(RealmSearch, { realmId: statusRealm.id, query: '*', limit: 100_000 })).entries;
    const byName = new Map(all.map((e) => [e.username, e.status]));
    assert.equal(byName.get('wang.xiaoming'), 'changed');
    assert.equal(byName.get('spacey'), 'conflict');
    assert.equal(byName.get('zoe.muller'), 'new');
    // Another realm on the same directory sees wang.xiaoming's username as taken.
    const other = (await backend.request(RealmSearch, { realmId: realm.id, query: 'wang.xiaoming', mode: 'username' })).entries[0];
    assert.equal(other.status, 'conflict');
    assert.match(other.conflict ?? '', /another realm/);
    await backend.request(RealmDelete, { realmId: statusRealm.id, users: 'delete' });
  });
});
