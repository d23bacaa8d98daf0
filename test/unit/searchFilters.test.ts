import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AndFilter, BerWriter, EqualityFilter, type Filter, OrFilter, PresenceFilter, SubstringFilter } from 'ldapts';
import { ResponseError } from 'vscode-jsonrpc';
import { buildSearchFilter, parseLdapFilter, termFilter, type SearchRealm } from '../../server/ldap/searchFilters';
import { realmKindDefaults } from '../../protocol/realmKindDefaults';

function wire(filter: Filter): Buffer {
  const w = new BerWriter();
  filter.write(w);
  return w.buffer;
}
function count(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}
function rejects(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ResponseError, `expected ResponseError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

const openldap: SearchRealm = { kind: 'openldap', ...realmKindDefaults('openldap') };
const ad: SearchRealm = { kind: 'activeDirectory', ...realmKindDefaults('activeDirectory') };

/** Evaluates our keyword filters the way a directory with case-insensitive substring rules would. */
function evaluate(filter: Filter, entry: Record<string, string>): boolean {
  if (filter instanceof AndFilter) return filter.filters.every((f) => evaluate(f, entry));
  if (filter instanceof OrFilter) return filter.filters.some((f) => evaluate(f, entry));
  if (filter instanceof SubstringFilter) {
    const value = entry[filter.attribute];
    if (value === undefined) return false;
    let at = 0;
    const v = value.toLowerCase();
    if (filter.initial) {
      if (!v.startsWith(filter.initial.toLowerCase())) return false;
      at = filter.initial.length;
    }
    for (const part of filter.any) {
      const i = v.indexOf(part.toLowerCase(), at);
      if (i < 0) return false;
      at = i + part.length;
    }
    return !filter.final || v.slice(at).endsWith(filter.final.toLowerCase());
  }
  throw new Error(`unexpected filter ${filter.constructor.name}`);
}

describe('keyword filters', () => {
  it('escapes every special character: injection payloads stay literal text', () => {
    const built = buildSearchFilter(openldap, '*)(uid=*');
    assert.equal(built.kind, 'keyword');
    // "*" is the wildcard; the rest is the literal text ")(uid=" escaped per RFC 4515.
    assert.equal(
      built.filter.toString(),
      '(&(objectClass=inetOrgPerson)(|(uid=*\\29\\28uid=*)(cn=*\\29\\28uid=*)(givenName=*\\29\\28uid=*)(sn=*\\29\\28uid=*)(mail=*\\29\\28uid=*)))',
    );
    // Servers drop control characters before comparing (RFC 4518), so "\0" alone would match
    // everyone: text with a control character matches nothing instead.
    for (const q of ['\0', 'a\0b', '\u200b', 'x\u0007']) {
      assert.equal(buildSearchFilter(openldap, q, 'keyword').filter.toString(), '(&(objectClass=inetOrgPerson)(!(objectClass=*)))', JSON.stringify(q));
      assert.equal(buildSearchFilter(openldap, q, 'username').filter.toString(), '(&(objectClass=inetOrgPerson)(!(objectClass=*)))', JSON.stringify(q));
    }
    assert.match(buildSearchFilter(openldap, '\\', 'keyword').filter.toString(), /\(uid=\*\\5c\*\)/);
    assert.match(buildSearchFilter(openldap, '(', 'keyword').filter.toString(), /\(uid=\*\\28\*\)/);
  });

  it('sends non-ASCII text as raw UTF-8 bytes, never hex-mangled', () => {
    const f = buildSearchFilter(openldap, 'Zoë 😀 名前').filter;
    const bytes = wire(f);
    for (const term of ['Zoë', '😀', '名前']) assert.equal(count(bytes, Buffer.from(term)), 5, term);
    assert.equal(count(bytes, Buffer.from([0xc3, 0x83])), 0, 'no double-encoded UTF-8');
  });

  it('requires every term to match one of the name attributes', () => {
    const f = buildSearchFilter(openldap, 'ann SMITH').filter as AndFilter;
    const keywords = f.filters[1];
    assert.equal(evaluate(keywords, { uid: 'asmith', cn: 'Ann Smith', sn: 'Smith' }), true);
    assert.equal(evaluate(keywords, { uid: 'ann', cn: 'Ann Jones' }), false);
  });

  it('treats * inside a term as a wildcard and a lone * as everything', () => {
    const t = termFilter('jo*n', ['cn']) as SubstringFilter;
    assert.deepEqual([t.initial, t.any, t.final], ['', ['jo', 'n'], '']);
    assert.equal(termFilter('**', ['cn']), undefined);
    assert.equal(buildSearchFilter(openldap, '*').kind, 'all');
    assert.equal(buildSearchFilter(openldap, '*').filter.toString(), '(objectClass=inetOrgPerson)');
    assert.equal(buildSearchFilter(openldap, '* *', 'keyword').kind, 'all');
  });

  it('property: a term matches exactly the values that contain it literally', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes('*') && s.trim() !== '' && !/\s/.test(s)), fc.string({ maxLength: 20 }), (term, other) => {
        const f = termFilter(term, ['cn'])!;
        assert.equal(evaluate(f, { cn: other }), other.toLowerCase().includes(term.toLowerCase()));
        assert.equal(evaluate(f, { cn: `${other}${term}${other}` }), true);
        // On the wire the term is its plain UTF-8 bytes.
        assert.ok(wire(f).includes(Buffer.from(term, 'utf8')));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses empty, oversized and unencodable queries with 1002', () => {
    rejects(() => buildSearchFilter(openldap, '   '), 1002, /Type a user name/);
    rejects(() => buildSearchFilter(openldap, 'x'.repeat(1024 * 1024)), 1002, /longer than 4096 bytes/);
    rejects(() => buildSearchFilter(openldap, 'a\ud800b'), 1002, /lone surrogate/);
    rejects(() => buildSearchFilter(openldap, Array.from({ length: 40 }, (_, i) => `t${i}`).join(' ')), 1002, /at most 32/);
  });
});

describe('username mode', () => {
  it('is an exact equality on the username attribute, ANDed with the user filter', () => {
    const f = buildSearchFilter(openldap, 'user00042', 'username').filter;
    assert.equal(f.toString(), '(&(objectClass=inetOrgPerson)(uid=user00042))');
    assert.equal(buildSearchFilter(openldap, 'x*', 'username').filter.toString(), '(&(objectClass=inetOrgPerson)(uid=x\\2a))');
  });
  it('accepts a userPrincipalName on Active Directory', () => {
    const f = buildSearchFilter(ad, 'jdoe@example.test', 'username').filter;
    assert.equal(
      f.toString(),
      '(&(&(objectCategory=person)(objectClass=user))(|(sAMAccountName=jdoe@example.test)(userPrincipalName=jdoe@example.test)))',
    );
  });
});

describe('raw LDAP filters', () => {
  it('is ANDed with the realm user filter', () => {
    const built = buildSearchFilter(openldap, '(|(uid=a)(uid=b))');
    assert.equal(built.kind, 'filter');
    assert.equal(built.filter.toString(), '(&(objectClass=inetOrgPerson)(|(uid=a)(uid=b)))');
  });

  it('decodes hex escapes to UTF-8 text instead of mangling bytes >= 0x80', () => {
    const f = parseLdapFilter('(cn=M\\c3\\bcller)') as EqualityFilter;
    assert.equal(f.value, 'Müller');
    const bytes = wire(f);
    assert.equal(count(bytes, Buffer.from('Müller')), 1);
    assert.equal(count(bytes, Buffer.from([0xc3, 0x83])), 0);
    assert.equal((parseLdapFilter('(cn=Zoë*)') as SubstringFilter).initial, 'Zoë');
    assert.equal((parseLdapFilter('(cn=a\\2ab)') as EqualityFilter).value, 'a*b');
  });

  it('keeps a binary equality value as raw bytes (objectGUID)', () => {
    const f = parseLdapFilter('(objectGUID=\\4e\\ce\\c2\\f4\\08\\1f\\58\\43\\ab\\dc\\fe\\3f\\03\\5a\\f4\\cd)') as EqualityFilter;
    assert.ok(Buffer.isBuffer(f.value));
    assert.equal((f.value as Buffer).toString('hex'), '4ecec2f4081f5843abdcfe3f035af4cd');
    assert.ok(wire(f).includes(f.value as Buffer));
  });

  it('turns an all-wildcard substring into a presence test', () => {
    assert.ok(parseLdapFilter('(mail=**)') instanceof PresenceFilter);
    assert.ok(parseLdapFilter('(mail=*)') instanceof PresenceFilter);
  });

  it('accepts a filter without outer parentheses', () => {
    assert.equal(parseLdapFilter('uid=x').toString(), '(uid=x)');
  });

  it('refuses a 10,000-deep filter quickly, without overflowing the stack', () => {
    const deep = '(!'.repeat(10_000) + '(uid=x)' + ')'.repeat(10_000);
    const started = performance.now();
    rejects(() => parseLdapFilter(deep), 1003, /(nested more than 32 levels|longer than 4096)/);
    const deep2 = '(!'.repeat(1000) + '(a=b)' + ')'.repeat(1000);
    rejects(() => parseLdapFilter(deep2), 1003, /nested more than 32 levels/);
    assert.ok(performance.now() - started < 200);
    const ok32 = '(!'.repeat(31) + '(a=b)' + ')'.repeat(31);
    assert.doesNotThrow(() => parseLdapFilter(ok32));
    const no33 = '(!'.repeat(32) + '(a=b)' + ')'.repeat(32);
    rejects(() => parseLdapFilter(no33), 1003, /nested more than 32/);
  });

  const bad: [string, RegExp][] = [
    ['(&(uid=a)', /1 unclosed parenthesis/],
    ['(uid=a))', /text after its closing parenthesis/],
    ['uid=a)', /text after its closing parenthesis/],
    ['(uid=a)(uid=b)', /text after its closing parenthesis/],
    ['(uid=a\\zz)', /not a valid LDAP filter \(Invalid escaped hex/],
    ['(=a)', /not a valid LDAP filter/],
    ['(uid=a\0)', /NUL character/],
    ['()', /not a valid LDAP filter/],
    ['(uid~a)', /not a valid LDAP filter/],
    ['(cn=\\ff\\fe*)', /binary value/],
    ['(' + 'a'.repeat(5000) + '=b)', /longer than 4096 bytes/],
    ['', /is empty/],
  ];
  for (const [filter, message] of bad) {
    it(`refuses ${JSON.stringify(filter.slice(0, 40))} with 1003 and a reason`, () => {
      rejects(() => parseLdapFilter(filter, 'The search filter', 'query'), 1003, message);
    });
  }

  it('reports the field in the error data', () => {
    assert.throws(() => parseLdapFilter('(x', 'The user filter', 'userFilter'), (err: ResponseError<{ field?: string }>) => err.data?.field === 'userFilter');
  });

  it('in auto mode an unparsable filter is 1003', () => {
    rejects(() => buildSearchFilter(openldap, '('), 1003, /The search filter/);
  });
});
