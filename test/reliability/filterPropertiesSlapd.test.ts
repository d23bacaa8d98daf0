// The filter property of test/unit/filterProperties.test.ts, against a real slapd: 60 entries with
// generated names full of filter syntax, Unicode and spaces are loaded; for generated search terms
// (half of them cut out of those names, with random case and "*" wildcards; the rest random, with
// injection payloads and NUL) the filter we build for keyword mode and for username mode is sent
// as is, and slapd must return exactly the entries whose attributes contain the literal text
// (case-insensitively, as the directory compares) — or equal it, for usernames.
// fast-check generates the data with a fixed seed, so a failure names reproducible inputs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { Client } from 'ldapts';
import { entryToLdif } from '../../scripts/directory/ldif';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { buildSearchFilter, cannotMatchDirectoryText, type SearchRealm } from '../../server/ldap/searchFilters';
import { realmKindDefaults } from '../../protocol/realmKindDefaults';
import { tryEach } from '../support/reliabilityTally';

const seed = 20261201;
const baseDn = 'dc=example,dc=test';
const propDn = `ou=Prop,${baseDn}`;
const realm: SearchRealm = { kind: 'openldap', ...realmKindDefaults('openldap') };
const attributes = ['uid', 'cn', 'givenName', 'sn', 'mail'] as const;
type Person = Record<(typeof attributes)[number], string>;

// Characters whose case folding slapd and String.prototype.toLowerCase agree on.
const syntax = [...'()*\\&|!=<>~:,+"#;/$%.-_@\'[]^?{}'];
const unicode = ['é', 'É', 'ü', 'Ü', 'Ω', 'ω', '😀', '名', 'ا'];
const ascii = [...'abcdefxyzABCXYZ0123'];
const nameChar = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ascii) }, { weight: 2, arbitrary: fc.constantFrom(...syntax.filter((c) => c !== '*')) }, { weight: 1, arbitrary: fc.constantFrom(...unicode) });
const asciiChar = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...ascii) }, { weight: 1, arbitrary: fc.constantFrom(...syntax.filter((c) => c !== '*')) });
/** A directory string: starts with a letter, single spaces allowed inside. */
const name = (chars: fc.Arbitrary<string>) =>
  fc.tuple(fc.constantFrom(...'abcXYZ'), fc.array(fc.oneof({ weight: 8, arbitrary: chars }, { weight: 1, arbitrary: fc.constant(' ') }), { minLength: 2, maxLength: 14 }))
    .map(([first, rest]) => (first + rest.join('')).replace(/ +/g, ' ').trimEnd());

let slapd: SlapdHandle;
let client: Client;
let people: Person[];

before(async () => {
  people = fc.sample(fc.record({ cn: name(nameChar), givenName: name(nameChar), sn: name(nameChar), mail: name(asciiChar) }), { seed, numRuns: 60 })
    .map((p, i) => ({ ...p, uid: `p${i}-${p.sn.replace(/[^a-z0-9]/gi, '').slice(0, 6)}` }));
  const ldif = [
    entryToLdif({ dn: propDn, attributes: [['objectClass', 'organizationalUnit'], ['ou', 'Prop']] }),
    ...people.map((p) => entryToLdif({ dn: `uid=${p.uid},${propDn}`, attributes: [['objectClass', 'inetOrgPerson'], ...attributes.map((a) => [a, p[a]] as const)] })),
  ].join('');
  slapd = await startSlapd({ users: 0, awkward: false, extraLdif: ldif, baseDn });
  client = new Client({ url: slapd.ldapUrl, timeout: 10_000, connectTimeout: 5000 });
  await client.bind(slapd.adminDn, slapd.adminPassword);
});

after(async () => {
  await client?.unbind().catch(() => undefined);
  await slapd?.stop();
});

function containsInOrder(value: string, parts: string[]): boolean {
  let at = 0;
  const v = value.toLowerCase();
  for (const part of parts) {
    const i = v.indexOf(part.toLowerCase(), at);
    if (i < 0) return false;
    at = i + part.length;
  }
  return true;
}

function expectedKeyword(term: string): string[] {
  const parts = term.split('*').filter((p) => p !== '');
  if (parts.length > 0 && cannotMatchDirectoryText(term)) return [];
  return people.filter((p) => parts.length === 0 || attributes.some((a) => containsInOrder(p[a], parts))).map((p) => p.uid).sort();
}

async function directoryAnswer(query: string, mode: 'keyword' | 'username'): Promise<string[]> {
  const { filter } = buildSearchFilter(realm, query, mode);
  const result = await client.search(propDn, { scope: 'one', filter, attributes: ['uid'], sizeLimit: 0 });
  return result.searchEntries.map((e) => String(e.uid)).sort();
}

test('keyword filters on slapd: exactly the entries containing the literal text', { timeout: 90_000 }, async () => {
  // Terms cut out of the loaded values (random case, maybe a wildcard) and random ones.
  const cut = fc
    .tuple(fc.integer({ min: 0, max: people.length - 1 }), fc.constantFrom(...attributes), fc.nat(), fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.nat())
    .map(([i, a, start, length, upper, star]) => {
      const value = people[i][a].replace(/ /g, '');
      const from = start % Math.max(1, value.length);
      let term = value.slice(from, from + length) || value;
      if (upper) term = term.toUpperCase();
      if (star % 3 === 0 && term.length > 1) term = `${term.slice(0, 1)}*${term.slice(1)}`;
      return term;
    });
  const random = fc.array(fc.oneof(nameChar, fc.constantFrom('*', '\0', '*)(uid=*', ')(|(cn=*')), { minLength: 1, maxLength: 6 }).map((cs) => cs.join('').replace(/ /g, '') || 'x');
  const terms = [...new Set(fc.sample(fc.oneof(cut, random), { seed, numRuns: 80 }))].filter((t) => !t.startsWith('('));
  const withMatches = terms.filter((t) => expectedKeyword(t).length > 0 && expectedKeyword(t).length < people.length);
  assert.ok(withMatches.length >= terms.length / 3, `enough terms select some but not all entries (${withMatches.length} of ${terms.length})`);
  await tryEach('filter properties on slapd', terms, (t) => `keyword ${JSON.stringify(t)}`, async (term) => {
    assert.deepEqual(await directoryAnswer(term, 'keyword'), expectedKeyword(term), `keyword ${JSON.stringify(term)}`);
  });
});

test('username filters on slapd: exactly the entry with that uid, "*" and syntax literal', { timeout: 60_000 }, async () => {
  const names = [...people.slice(0, 20).map((p) => p.uid), ...people.slice(20, 30).map((p) => p.uid.toUpperCase()), '*', 'p1*', '*)(uid=*', 'p0-*', `${people[0].uid}\0`];
  await tryEach('filter properties on slapd', names, (n) => `username ${JSON.stringify(n)}`, async (query) => {
    const expected = cannotMatchDirectoryText(query.replace(/\*/g, 'x')) ? [] : people.filter((p) => p.uid.toLowerCase() === query.trim().toLowerCase()).map((p) => p.uid);
    assert.deepEqual(await directoryAnswer(query, 'username'), expected.sort(), `username ${JSON.stringify(query)}`);
  });
});
