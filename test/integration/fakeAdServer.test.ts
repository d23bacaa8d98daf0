// The FAKE AD server (test/support/fakeAdServer.ts) behaves like AD where Samba does not:
// MaxPageSize on non-paged searches, page-size shrinking, range retrieval of big multi-valued
// attributes, referrals for another domain, continuation references at the domain root. Checked
// with ldapts, the client the product uses, so the FAKE speaks LDAP the way a real client expects.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Client, EqualityFilter, type Entry } from 'ldapts';
import {
  FAKE_AD_MANY_GROUPS_USER, FAKE_AD_OTHER_DOMAIN_DN, fakeAdGroupDn, FAKE_AD_ROOT_REFERENCES, fakeAdSam, fakeAdUserAccountControl, fakeAdUserDn, fakeAdUserGuid,
  startFakeAdServer, type FakeAdServerHandle,
} from '../support/fakeAdServer';

const PERSON = '(&(objectCategory=person)(objectClass=user))';

function values(e: Entry, name: string): string[] {
  const v = e[name];
  return (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

describe('FAKE AD server', { timeout: 120_000 }, () => {
  let fake: FakeAdServerHandle;
  const clients: Client[] = [];
  async function reader(url?: string): Promise<Client> {
    const c = new Client({ url: url ?? fake.ldapsUrl, timeout: 20_000, connectTimeout: 5_000, tlsOptions: { ca: [fake.caCert] } });
    clients.push(c);
    await c.bind(fake.readerDn, fake.readerPassword);
    return c;
  }

  before(async () => {
    fake = await startFakeAdServer();
  });
  after(async () => {
    for (const c of clients) await c.unbind().catch(() => {});
    await fake?.stop();
  });

  it('a non-paged search stops at MaxPageSize 1000 with sizeLimitExceeded (4)', async () => {
    const c = await reader();
    const before = fake.searches.length;
    await assert.rejects(c.search(fake.usersOu, { filter: PERSON, attributes: ['sAMAccountName'] }), (e: Error & { code?: number }) => {
      assert.equal(e.code, 4);
      return true;
    });
    const log = fake.searches[before];
    assert.equal(log.pageSize, undefined);
    assert.equal(log.entriesSent, 1000);
    assert.equal(log.resultCode, 4);
    // a client size limit below 1000 also ends with code 4 (ldapts then hands back the partial list)
    const r = await c.search(fake.usersOu, { filter: PERSON, attributes: ['sAMAccountName'], sizeLimit: 10 });
    assert.equal(r.searchEntries.length, 10);
    assert.equal(fake.searches.at(-1)!.resultCode, 4);
  });

  it('a paged search gets every user, in pages of at most 1000 even when more are asked for', async () => {
    const c = await reader();
    const pages: number[] = [];
    const sams = new Set<string>();
    for await (const p of c.searchPaginated(fake.usersOu, { filter: PERSON, attributes: ['sAMAccountName'], paged: { pageSize: 2000 } })) {
      pages.push(p.searchEntries.length);
      for (const e of p.searchEntries) sams.add(values(e, 'sAMAccountName')[0]);
    }
    assert.deepEqual(pages, [1000, 1000, 500]);
    assert.equal(sams.size, fake.users);
    assert.ok(sams.has(fakeAdSam(1)) && sams.has(fakeAdSam(fake.users)));
    const small = await c.search(fake.usersOu, { filter: PERSON, attributes: ['sAMAccountName'], paged: { pageSize: 300 } });
    assert.equal(small.searchEntries.length, fake.users);
  });

  it('range retrieval: member comes back as member;range=0-1499, then 1500-2999, then 3000-*', async () => {
    const c = await reader();
    const first = (await c.search(fake.groupDn, { scope: 'base', attributes: ['member'] })).searchEntries[0];
    assert.deepEqual(first.member, [], 'a client that ignores ranges sees no plain member attribute');
    assert.equal(values(first, 'member;range=0-1499').length, 1500);
    const second = (await c.search(fake.groupDn, { scope: 'base', attributes: ['member;range=1500-*'] })).searchEntries[0];
    assert.equal(values(second, 'member;range=1500-2999').length, 1500);
    const third = (await c.search(fake.groupDn, { scope: 'base', attributes: ['member;range=3000-*'] })).searchEntries[0];
    assert.equal(values(third, 'member;range=3000-*').length, fake.groupMembers - 3000);
    const all = [...values(first, 'member;range=0-1499'), ...values(second, 'member;range=1500-2999'), ...values(third, 'member;range=3000-*')];
    assert.equal(new Set(all).size, fake.groupMembers);
    assert.equal(all[0], fakeAdUserDn(1));
    assert.equal(all.at(-1), fakeAdUserDn(fake.groupMembers));
    // a user in more groups than one range holds: '*' gives memberOf;range=0-1499 as well
    const u = (await c.search(fakeAdUserDn(FAKE_AD_MANY_GROUPS_USER), { scope: 'base', attributes: ['*'] })).searchEntries[0];
    assert.equal(u.memberOf, undefined);
    assert.equal(values(u, 'memberOf;range=0-1499').length, 1500);
    assert.equal(values(u, 'memberOf;range=0-1499')[0], fakeAdGroupDn(1));
    // an explicit upper bound is honoured
    const bounded = (await c.search(fake.groupDn, { scope: 'base', attributes: ['member;range=10-19'] })).searchEntries[0];
    assert.deepEqual(values(bounded, 'member;range=10-19'), Array.from({ length: 10 }, (_, k) => fakeAdUserDn(11 + k)));
  });

  it('a base DN in another domain answers referral (10)', async () => {
    const c = await reader();
    await assert.rejects(c.search(`OU=People,${FAKE_AD_OTHER_DOMAIN_DN}`, { filter: PERSON }), (e: Error & { code?: number }) => {
      assert.equal(e.code, 10);
      return true;
    });
    await assert.rejects(c.search(`OU=Nowhere,${fake.baseDn}`, { filter: PERSON }), (e: Error & { code?: number }) => e.code === 32);
  });

  it('subtree searches from the domain root carry continuation references; OU searches do not', async () => {
    const c = await reader();
    const root = await c.search(fake.baseDn, { filter: `(sAMAccountName=${fakeAdSam(5)})`, attributes: ['sAMAccountName'] });
    assert.equal(root.searchEntries.length, 1);
    assert.deepEqual(root.searchReferences, FAKE_AD_ROOT_REFERENCES);
    const ou = await c.search(fake.usersOu, { filter: `(sAMAccountName=${fakeAdSam(5)})`, attributes: ['sAMAccountName'] });
    assert.deepEqual(ou.searchReferences, []);
    // paged from the root: the references arrive once, with the last page
    const paged = await c.search(fake.baseDn, { filter: PERSON, attributes: ['sAMAccountName'], paged: { pageSize: 1000 } });
    assert.equal(paged.searchEntries.length, fake.users + 1); // + the reader account
    assert.deepEqual(paged.searchReferences, FAKE_AD_ROOT_REFERENCES);
  });

  it('objectGUID is 16 raw bytes and an equality filter on the raw bytes finds the user', async () => {
    const c = await reader();
    const e = (await c.search(fake.usersOu, { filter: `(sAMAccountName=${fakeAdSam(1)})`, attributes: ['objectGUID'], explicitBufferAttributes: ['objectGUID'] })).searchEntries[0];
    assert.ok(Buffer.isBuffer(e.objectGUID));
    assert.deepEqual(e.objectGUID, fakeAdUserGuid(1));
    const asText = (await c.search(fake.usersOu, { filter: `(sAMAccountName=${fakeAdSam(1)})`, attributes: ['objectGUID'] })).searchEntries[0];
    assert.equal(asText.objectGUID, 'fakeguid00000001', 'valid-UTF-8 GUID bytes become a string without explicitBufferAttributes');
    for (const i of [2, 777]) {
      const r = await c.search(fake.baseDn, { filter: new EqualityFilter({ attribute: 'objectGUID', value: fakeAdUserGuid(i) }), attributes: ['sAMAccountName'] });
      assert.deepEqual(r.searchEntries.map((x) => x.dn), [fakeAdUserDn(i)]);
    }
  });

  it('the AD bit-AND rule finds the disabled users, whatever else is set in userAccountControl', async () => {
    const c = await reader();
    const r = await c.search(fake.usersOu, {
      filter: `(&${PERSON}(userAccountControl:1.2.840.113556.1.4.803:=2))`, attributes: ['userAccountControl'], paged: { pageSize: 1000 },
    });
    const want = Array.from({ length: fake.users }, (_, k) => k + 1).filter((i) => (fakeAdUserAccountControl(i) & 2) === 2);
    assert.deepEqual(r.searchEntries.map((e) => e.dn).sort(), want.map(fakeAdUserDn).sort());
    assert.deepEqual(new Set(r.searchEntries.map((e) => values(e, 'userAccountControl')[0])), new Set(['514', '66050']));
  });

  it('binds: wrong password is 49 (data 52e), anonymous search is refused, StartTLS works', async () => {
    const bad = new Client({ url: fake.ldapsUrl, connectTimeout: 5_000, tlsOptions: { ca: [fake.caCert] } });
    clients.push(bad);
    await assert.rejects(bad.bind(fake.readerDn, 'wrong'), (e: Error & { code?: number }) => e.code === 49 && /data 52e/.test(e.message));
    const anon = new Client({ url: fake.url, connectTimeout: 5_000 });
    clients.push(anon);
    await assert.rejects(anon.search(fake.baseDn, { filter: PERSON }), (e: Error & { code?: number }) => e.code === 1);
    const st = new Client({ url: fake.url, timeout: 10_000, connectTimeout: 5_000 });
    clients.push(st);
    await st.startTLS({ ca: [fake.caCert] });
    await st.bind(fake.readerUpn, fake.readerPassword);
    const r = await st.search(fake.usersOu, { filter: `(mail=${fakeAdSam(3)}@*)`, attributes: ['mail'] });
    assert.deepEqual(r.searchEntries.map((e) => e.dn), [fakeAdUserDn(3)]);
  });
});
