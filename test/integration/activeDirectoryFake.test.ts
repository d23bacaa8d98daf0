// Issue 7 acceptance 5 (and the referral part of the AD kind) against the FAKE AD server
// (test/support/fakeAdServer.ts), for what a real Samba DC does not do: the 1000-entry
// MaxPageSize on non-paged searches, page sizes above it, range retrieval of big multi-valued
// attributes and referral (10) for a base DN in another domain. Driven through the real backend.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmSave, RealmSearch, RealmTest, UserGet, UserImport, UserList } from '../../protocol/rpc';
import { startBackend, type BackendHandle } from '../support/backendClient';
import {
  FAKE_AD_MANY_GROUPS_USER, fakeAdGroupDn, fakeAdSam, fakeAdUserAccountControl, startFakeAdServer, type FakeAdServerHandle,
} from '../support/fakeAdServer';

describe('Active Directory realm against the FAKE AD server', { timeout: 180_000 }, () => {
  let fake: FakeAdServerHandle;
  let backend: BackendHandle;

  function realm(overrides: Partial<RealmInput> = {}): RealmInput {
    return {
      name: 'FAKE AD',
      kind: 'activeDirectory',
      url: fake.ldapsUrl,
      caCertPath: fake.caCertPath,
      bindDn: fake.readerDn,
      baseDn: fake.usersOu,
      connectTimeoutMs: 3000,
      timeoutMs: 20_000,
      ...overrides,
    };
  }

  before(async () => {
    fake = await startFakeAdServer();
    backend = await startBackend({ clientName: 'fake-ad-tests', secrets: () => fake.readerPassword, requestTimeoutMs: 60_000 });
  });
  after(async () => {
    await backend?.stop();
    await fake?.stop();
  });

  test('"*" with a page size above MaxPageSize still returns every user: all searches paged, none cut at 1000', async () => {
    const r = await backend.request(RealmSave, { realm: realm({ name: 'FAKE AD big pages', pageSize: 2000 }) });
    const from = fake.searches.length;
    const result = await backend.request(RealmSearch, { realmId: r.id, query: '*', limit: 100_000 });
    assert.equal(result.truncated, false);
    assert.equal(result.entries.length, fake.users);
    assert.equal(new Set(result.entries.map((e) => e.username)).size, fake.users);
    const disabled = result.entries.filter((e) => e.disabled).map((e) => e.username).sort();
    const want = Array.from({ length: fake.users }, (_, k) => k + 1).filter((i) => (fakeAdUserAccountControl(i) & 2) === 2).map(fakeAdSam).sort();
    assert.deepEqual(disabled, want);
    const userSearches = fake.searches.slice(from).filter((s) => s.base !== '');
    assert.ok(userSearches.length >= 3, 'several pages');
    for (const s of userSearches) {
      assert.notEqual(s.pageSize, undefined, `a non-paged search reached the server: ${JSON.stringify(s)}`);
      assert.notEqual(s.resultCode, 4);
    }
  });

  test('a user whose memberOf needs range retrieval: every value read, or a clear error — never silent truncation', async () => {
    const r = await backend.request(RealmSave, { realm: realm({ name: 'FAKE AD groups', attributes: { department: 'memberOf' } }) });
    const sam = fakeAdSam(FAKE_AD_MANY_GROUPS_USER);
    let found;
    try {
      found = await backend.request(RealmSearch, { realmId: r.id, query: sam, mode: 'username' });
    } catch (err) {
      assert.ok(err instanceof ResponseError, String(err));
      assert.match(err.message, /range/i, `an error must say the attribute came back in ranges: ${err.message}`);
      return;
    }
    assert.equal(found.entries.length, 1);
    assert.equal(found.entries[0].department, fakeAdGroupDn(1), 'the mapped multi-valued attribute must not come back empty');
    const report = await backend.request(UserImport, { realmId: r.id, entries: [{ username: sam }] });
    assert.equal(report.created, 1, JSON.stringify(report.failed));
    const id = (await backend.request(UserList, { realmId: r.id, text: sam })).users[0].id;
    const detail = await backend.request(UserGet, { userId: id });
    const raw = Object.entries(detail.rawAttributes).find(([k]) => k.toLowerCase().startsWith('memberof'));
    assert.ok(raw, `memberOf missing from ${Object.keys(detail.rawAttributes).join(', ')}`);
    assert.equal(raw[0], 'memberOf', 'stored under its own name, not a ;range= fragment');
    assert.equal(raw[1].length, fake.manyGroups);
  });

  test('a base DN in another domain: referral (10) reported clearly, never chased', async () => {
    const r = await backend.request(RealmSave, { realm: realm({ name: 'FAKE AD other domain', baseDn: `OU=People,${fake.otherDomainDn}` }) });
    const result = await backend.request(RealmTest, { realmId: r.id });
    assert.equal(result.ok, false);
    const failed = result.steps.find((s) => !s.ok)!;
    assert.equal(failed.name, 'search', JSON.stringify(result.steps));
    assert.match(failed.message ?? '', /another (naming context|domain)|referral/i);
    await assert.rejects(backend.request(RealmSearch, { realmId: r.id, query: '*' }), (err: unknown) => {
      assert.ok(err instanceof ResponseError);
      assert.equal((err.data as { ldapCode?: number } | undefined)?.ldapCode, 10, err.message);
      assert.ok(err.code === ErrorCodes.invalidInput || err.code === ErrorCodes.cannotConnect, `${err.code}`);
      assert.match(err.message, /referral/i);
      return true;
    });
  });

  test('a search from the domain root ignores the continuation references AD adds', async () => {
    const r = await backend.request(RealmSave, { realm: realm({ name: 'FAKE AD root', baseDn: fake.baseDn }) });
    const result = await backend.request(RealmSearch, { realmId: r.id, query: '*', limit: 100_000 });
    assert.equal(result.entries.length, fake.users + 1); // + the reader account
    assert.ok(fake.searches.some((s) => s.referencesSent > 0), 'the FAKE did send references');
  });
});
