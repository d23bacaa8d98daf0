// Property tests (fast-check) for the filters built from what an administrator types into the
// search box (server/ldap/searchFilters.ts). For random text — filter syntax, injection payloads,
// NUL, emoji, RTL, combining marks, wildcards — the filter we build, and the same filter after a
// round trip through its BER bytes (what goes on the wire), matches exactly the synthetic entries
// whose attributes contain that literal text (keyword mode) or equal it (username mode), as judged
// by ldapts' own filter evaluator `Filter.matches()`. Text that cannot be encoded is refused.
// The same property against a real slapd is in test/reliability/filterPropertiesSlapd.test.ts.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import fc from 'fast-check';
import { BerReader, BerWriter, type Filter, FilterParser, PresenceFilter, SubstringFilter } from 'ldapts';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import { buildSearchFilter, cannotMatchDirectoryText, type SearchRealm } from '../../server/ldap/searchFilters';
import { realmKindDefaults } from '../../protocol/realmKindDefaults';

const realm: SearchRealm = { kind: 'openldap', ...realmKindDefaults('openldap') };
/** The attributes a keyword is matched against in an OpenLDAP realm. */
const keywordAttributes = ['uid', 'cn', 'givenName', 'sn', 'mail'] as const;
type Person = Record<(typeof keywordAttributes)[number], string>;

// Two ldapts 8.2.0 bugs (upstream, not ours) in code the client never runs — its in-process
// evaluator and its BER *parser* (the BER bytes it writes are right) — corrected here so that the
// properties test our filters rather than those bugs:
//  - SubstringFilter.matches() escapes "-" as "\-" in a Unicode-mode RegExp, a SyntaxError, so it
//    throws for any value with a hyphen ("Jean-Luc");
//  - PresenceFilter.parseFilter() reads its attribute from the start of the whole message
//    (`reader.buffer.subarray(0, …)`) instead of the current offset, so a parsed (!(objectClass=*))
//    names a garbage attribute.
before(() => {
  (PresenceFilter.prototype as unknown as { parseFilter(reader: BerReader): void }).parseFilter = function (this: PresenceFilter, reader: BerReader) {
    this.attribute = reader.remainingBuffer.subarray(0, reader.length).toString('utf8').toLowerCase();
    reader.offset += reader.length;
  };
  const probe = new SubstringFilter({ attribute: 'cn', any: ['a-b'] });
  let broken = false;
  try {
    probe.matches({ cn: 'a-b' });
  } catch {
    broken = true;
  }
  if (broken) {
    (SubstringFilter as unknown as { _escapeRegExp(s: string): string })._escapeRegExp = (s: string) =>
      s.replace(/[$()*+./?[\\\]^{|}]/g, '\\$&');
  }
});

/** What the entry looks like to Filter.matches(): every attribute under its name and lowercased
 * (the BER parser lowercases attribute names), and the object class the realm's user filter asks for. */
function asMatchable(person: Person): Record<string, string> {
  const entry: Record<string, string> = { objectClass: 'inetOrgPerson', objectclass: 'inetorgperson' };
  for (const name of keywordAttributes) {
    entry[name] = person[name];
    entry[name.toLowerCase()] = person[name];
  }
  return entry;
}

/** The filter as the server receives it: written as BER and parsed back. */
function viaWire(filter: Filter): Filter {
  const writer = new BerWriter();
  filter.write(writer);
  return FilterParser.parse(new BerReader(writer.buffer));
}

/** Case-sensitive evaluation: "contains the literal text" means exactly that. */
function matchingIndexes(filter: Filter, people: Person[]): number[] {
  return people.flatMap((p, i) => (filter.matches(asMatchable(p), true) ? [i] : []));
}

/** Text contains the parts in this order, without overlap. */
function containsInOrder(value: string, parts: string[]): boolean {
  let at = 0;
  for (const part of parts) {
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return true;
}

/** The specification of one keyword term: `*` is a wildcard, everything else literal text. */
function termMatches(term: string, person: Person): boolean {
  const parts = term.split('*').filter((p) => p !== '');
  if (parts.length === 0) return true;
  if (cannotMatchDirectoryText(term)) return false;
  return keywordAttributes.some((a) => containsInOrder(person[a], parts));
}

function expectedKeyword(text: string, people: Person[]): number[] {
  const terms = text.trim().split(/\s+/u).filter((t) => t !== '');
  return people.flatMap((p, i) => (terms.every((t) => termMatches(t, p)) ? [i] : []));
}

// ── Generators ──────────────────────────────────────────────────────────────
const syntax = ['*', '(', ')', '\\', '&', '|', '!', '=', '<', '>', '~', ':', ',', '+', '"', '#', ';', '/', '$', '{', '}', '%', '.', '-', '_', '@', "'", '[', ']', '^', '?'];
const unusual = ['\0', '\u0001', 'é', 'Ü', 'ß', '😀', '🚀', '名', '王', 'ا', 'ש', '\u202e', '\u200b', '\u200d', 'e\u0301', '\ufeff', '\u00a0'];
const plain = [...'abcxyzABCXYZ0129'];
/** One character of text: plain letters, filter syntax, unusual Unicode, or any valid code point
 * (no line terminators: ldapts' evaluator uses `.`, which does not cross them). */
const textChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...plain) },
  { weight: 3, arbitrary: fc.constantFrom(...syntax) },
  { weight: 2, arbitrary: fc.constantFrom(...unusual) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
).filter((c) => !/[\n\r\u2028\u2029]/u.test(c));
const text = (maxLength: number) => fc.array(textChar, { minLength: 1, maxLength }).map((cs) => cs.join(''));
/** A term: no whitespace (the search box splits on it). */
const term = text(12)
  .map((t) => t.replace(/\s+/gu, ''))
  .filter((t) => t !== '');

/** People, some of whom carry the term (or a case variant, which must not match) inside a value. */
function peopleAround(needle: string): fc.Arbitrary<Person[]> {
  const person = fc
    .record({
      uid: text(10),
      cn: text(14),
      givenName: text(8),
      sn: text(8),
      mail: text(12),
      carry: fc.constantFrom('none', 'exact', 'upper', 'exact'),
      where: fc.constantFrom(...keywordAttributes),
      pre: text(4),
      post: text(4),
    })
    .map(({ carry, where, pre, post, ...p }) => {
      const inserted = carry === 'exact' ? needle.replace(/\*/g, '') : carry === 'upper' ? needle.replace(/\*/g, '').toUpperCase() : '';
      return { ...p, [where]: `${pre}${inserted}${post}` } as Person;
    });
  return fc.array(person, { minLength: 1, maxLength: 12 });
}

const runs = { numRuns: 400 };

describe('keyword search filter: exactly the entries containing the literal text', () => {
  it('one term (with filter syntax, NUL, emoji, RTL, wildcards)', () => {
    fc.assert(
      fc.property(term.chain((t) => fc.tuple(fc.constant(t), peopleAround(t))), ([t, people]) => {
        fc.pre(!t.startsWith('(')); // the box treats "(..." as a raw LDAP filter: keyword mode below
        const built = buildSearchFilter(realm, t, 'auto');
        const expected = expectedKeyword(t, people);
        assert.deepEqual(matchingIndexes(built.filter, people), expected, `built filter for ${JSON.stringify(t)}`);
        assert.deepEqual(matchingIndexes(viaWire(built.filter), people), expected, `filter on the wire for ${JSON.stringify(t)}`);
      }),
      runs,
    );
  });

  it('one term in keyword mode, even when it starts with "("', () => {
    fc.assert(
      fc.property(term.map((t) => `(${t}`).chain((t) => fc.tuple(fc.constant(t), peopleAround(t))), ([t, people]) => {
        const built = buildSearchFilter(realm, t, 'keyword');
        const expected = expectedKeyword(t, people);
        assert.deepEqual(matchingIndexes(viaWire(built.filter), people), expected, JSON.stringify(t));
      }),
      runs,
    );
  });

  it('several terms: every term must be found', () => {
    const terms = fc.array(term, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(
        terms.chain((ts) => fc.tuple(fc.constant(ts), peopleAround(ts[0]))),
        ([ts, people]) => {
          const query = ts.join(' ');
          const built = buildSearchFilter(realm, query, 'keyword');
          assert.deepEqual(matchingIndexes(viaWire(built.filter), people), expectedKeyword(query, people), JSON.stringify(query));
        },
      ),
      runs,
    );
  });

  it('the value bytes on the wire are exactly the UTF-8 of the literal text', () => {
    fc.assert(
      fc.property(term, (t) => {
        const parts = t.split('*').filter((p) => p !== '');
        fc.pre(parts.length > 0 && !cannotMatchDirectoryText(t) && !t.startsWith('('));
        const wire = viaWire(buildSearchFilter(realm, t).filter);
        const substrings: SubstringFilter[] = [];
        const walk = (f: Filter): void => {
          if (f instanceof SubstringFilter) substrings.push(f);
          for (const child of (f as { filters?: Filter[] }).filters ?? []) walk(child);
        };
        walk(wire);
        assert.equal(substrings.length, keywordAttributes.length);
        for (const s of substrings) assert.deepEqual(s.any, parts);
      }),
      runs,
    );
  });
});

describe('username search filter: exactly the entries whose username is the text', () => {
  it('equality on the username attribute; "*" and filter syntax are literal', () => {
    const name = text(16).filter((t) => t.trim() !== '');
    fc.assert(
      fc.property(
        name.chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.record({ uid: fc.oneof(fc.constant(n.trim()), fc.constant(`${n.trim()}x`), fc.constant(n.trim().toUpperCase()), text(8)), cn: text(6), givenName: text(4), sn: text(4), mail: text(6) }), { minLength: 1, maxLength: 8 }),
          ),
        ),
        ([n, people]) => {
          const built = buildSearchFilter(realm, n, 'username');
          const wanted = n.trim();
          const expected = cannotMatchDirectoryText(wanted.replace(/\*/g, 'x')) ? [] : people.flatMap((p, i) => (p.uid === wanted ? [i] : []));
          assert.deepEqual(matchingIndexes(built.filter, people), expected, JSON.stringify(n));
          assert.deepEqual(matchingIndexes(viaWire(built.filter), people), expected, `on the wire: ${JSON.stringify(n)}`);
        },
      ),
      runs,
    );
  });
});

describe('text that cannot be a search', () => {
  function refused(fn: () => unknown, code: number): void {
    assert.throws(fn, (err: unknown) => err instanceof ResponseError && err.code === code && err.message.length > 20);
  }

  it('a lone surrogate anywhere is refused (1002), never silently replaced by U+FFFD', () => {
    const surrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(text(6), surrogate, text(6), fc.constantFrom<'auto' | 'keyword' | 'username'>('auto', 'keyword', 'username'), (a, s, b, mode) => {
        const query = `x${a}${s}${b}`.replace(/[\ud800-\udbff][\udc00-\udfff]/g, 'y');
        fc.pre(/[\ud800-\udfff]/.test(query));
        refused(() => buildSearchFilter(realm, query, mode), ErrorCodes.invalidInput);
      }),
      runs,
    );
  });

  it('empty and whitespace-only text is refused (1002) in every mode', () => {
    const blank = fc.array(fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u3000', '\ufeff'), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(blank, fc.constantFrom<'auto' | 'keyword' | 'username' | 'filter'>('auto', 'keyword', 'username', 'filter'), (q, mode) => {
        refused(() => buildSearchFilter(realm, q, mode), ErrorCodes.invalidInput);
      }),
      { numRuns: 100 },
    );
  });

  it('a raw filter nested deeper than the cap is refused (1003) without recursion, at any depth up to 100,000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 33, max: 100_000 }), fc.constantFrom('(!', '(&', '(|'), (depth, op) => {
        const nested = (n: number) => `${op.repeat(n)}(uid=x)${')'.repeat(n)}`;
        // Within the 4 KiB query cap: refused for its depth (1003).
        refused(() => buildSearchFilter(realm, nested(Math.min(depth, 1300)), 'filter'), ErrorCodes.invalidFilter);
        // Beyond it: refused for its size (1002) before any parsing.
        const deep = nested(depth);
        refused(() => buildSearchFilter(realm, deep, 'filter'), Buffer.byteLength(deep) > 4096 ? ErrorCodes.invalidInput : ErrorCodes.invalidFilter);
      }),
      { numRuns: 60 },
    );
  });
});
