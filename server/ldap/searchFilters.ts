// Turning what the administrator typed into an LDAP filter (PROTOCOL.md, realm/search query
// semantics). User text never becomes filter syntax by accident: keywords and usernames are
// built as filter objects whose values go on the wire as raw octets (nothing to escape, nothing
// to inject); a raw filter is size- and depth-capped *before* ldapts' recursive parser sees it
// (a 10,000-deep filter overflows its stack) and is always ANDed with the realm's user filter.
import { ResponseError } from 'vscode-jsonrpc';
import {
  AndFilter,
  ApproximateFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  FilterParser,
  GreaterThanEqualsFilter,
  LessThanEqualsFilter,
  NotFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
} from 'ldapts';
import type { AttributeMap, RealmKind, SearchMode } from '../../protocol/model';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';

export const maxFilterBytes = 4096;
export const maxFilterDepth = 32;
export const maxQueryBytes = 4096;
export const maxKeywordTerms = 32;

function invalidFilter(message: string, field?: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidFilter, message, field ? { field } : {});
}
function invalidQuery(message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidInput, message, { field: 'query' });
}

/** Lone UTF-16 surrogates cannot be encoded: Buffer.from would silently turn them into U+FFFD. */
export function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/**
 * Checks parenthesis structure and nesting depth with a flat scan (no recursion), so that an
 * absurdly deep filter is refused before ldapts' recursive parser can overflow the stack.
 * In RFC 4515 a parenthesis inside a value must be written \28 / \29, so every literal
 * parenthesis is structure.
 */
function checkFilterStructure(text: string, what: string, field?: string): void {
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') {
      depth++;
      if (depth > maxDepth) maxDepth = depth;
      if (maxDepth > maxFilterDepth) {
        throw invalidFilter(`${what} is nested more than ${maxFilterDepth} levels deep; simplify it.`, field);
      }
    } else if (ch === ')') {
      depth--;
      if (depth < 0) {
        throw invalidFilter(`${what} has a ")" without a matching "(" at position ${i + 1}. Write a literal parenthesis in a value as \\28 or \\29.`, field);
      }
      if (depth === 0 && i !== text.length - 1) {
        throw invalidFilter(
          `${what} has text after its closing parenthesis at position ${i + 1}. Combine several conditions with (&(a=1)(b=2)) or (|(a=1)(b=2)).`,
          field,
        );
      }
    }
  }
  if (depth !== 0) {
    throw invalidFilter(`${what} has ${depth} unclosed parenthes${depth === 1 ? 'is' : 'es'}.`, field);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * ldapts' parser turns each `\XX` escape into the character U+00XX and later re-encodes values as
 * UTF-8, so `\c3\bc` would go out as four bytes (reliability.md finding 4). We therefore hand it
 * the filter as a *byte string* (one latin1 character per UTF-8 byte, so escapes and literal text
 * end up in the same form) and turn every parsed value back into real text here — or into raw
 * bytes for an equality match on a binary value such as an objectGUID.
 */
function bytesToValue(byteString: string): string | Buffer {
  const bytes = Buffer.from(byteString, 'latin1');
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes;
  }
}

function textValue(byteString: string, what: string, field?: string): string {
  const value = bytesToValue(byteString);
  if (typeof value !== 'string') {
    throw invalidFilter(`${what} has a binary value (escaped bytes that are not UTF-8) where only an equality match (attr=\\xx\\xx...) can use one.`, field);
  }
  return value;
}

function restoreValues(filter: Filter, what: string, field?: string): Filter {
  if (filter instanceof AndFilter) {
    return new AndFilter({ filters: filter.filters.map((f) => restoreValues(f, what, field)) });
  }
  if (filter instanceof OrFilter) {
    return new OrFilter({ filters: filter.filters.map((f) => restoreValues(f, what, field)) });
  }
  if (filter instanceof NotFilter) {
    return new NotFilter({ filter: restoreValues(filter.filter, what, field) });
  }
  if (filter instanceof EqualityFilter) {
    return new EqualityFilter({ attribute: filter.attribute, value: bytesToValue(String(filter.value)) });
  }
  if (filter instanceof SubstringFilter) {
    const initial = textValue(filter.initial, what, field);
    const any = filter.any.map((a) => textValue(a, what, field)).filter((a) => a !== '');
    const final = textValue(filter.final, what, field);
    if (initial === '' && any.length === 0 && final === '') {
      return new PresenceFilter({ attribute: filter.attribute });
    }
    return new SubstringFilter({ attribute: filter.attribute, initial, any, final });
  }
  if (filter instanceof GreaterThanEqualsFilter) {
    return new GreaterThanEqualsFilter({ attribute: filter.attribute, value: textValue(filter.value, what, field) });
  }
  if (filter instanceof LessThanEqualsFilter) {
    return new LessThanEqualsFilter({ attribute: filter.attribute, value: textValue(filter.value, what, field) });
  }
  if (filter instanceof ApproximateFilter) {
    return new ApproximateFilter({ attribute: filter.attribute, value: textValue(filter.value, what, field) });
  }
  if (filter instanceof ExtensibleFilter) {
    return new ExtensibleFilter({
      matchType: filter.matchType,
      rule: filter.rule,
      dnAttributes: filter.dnAttributes,
      value: textValue(filter.value, what, field),
    });
  }
  return filter;
}

/**
 * Parses an administrator's LDAP filter (RFC 4515). Refuses (1003, with a sentence saying what to
 * change) anything over 4 KiB or 32 levels, with NUL or unencodable characters, or unparsable.
 * `what` names the filter in messages ("The user filter", "The search filter"); `field` goes into
 * the error data.
 */
export function parseLdapFilter(text: string, what = 'The LDAP filter', field?: string): Filter {
  if (typeof text !== 'string' || text.trim() === '') {
    throw invalidFilter(`${what} is empty. Example: (objectClass=person).`, field);
  }
  let source = text.trim();
  if (Buffer.byteLength(source, 'utf8') > maxFilterBytes) {
    throw invalidFilter(`${what} is longer than ${maxFilterBytes} bytes; shorten it.`, field);
  }
  if (source.includes('\0')) {
    throw invalidFilter(`${what} contains a NUL character; write it as \\00 if you really mean it.`, field);
  }
  if (hasLoneSurrogate(source)) {
    throw invalidFilter(`${what} contains a broken Unicode character (a lone surrogate).`, field);
  }
  if (!source.startsWith('(')) source = `(${source})`;
  checkFilterStructure(source, what, field);
  let parsed: Filter;
  try {
    parsed = FilterParser.parseString(Buffer.from(source, 'utf8').toString('latin1'));
  } catch (err) {
    const detail = err instanceof Error ? err.message.replace(/\. Full string: .*$/s, '') : String(err);
    throw invalidFilter(`${what} is not a valid LDAP filter (${bytesToText(detail)}). Example: (&(objectClass=person)(mail=*@example.org)).`, field);
  }
  return restoreValues(parsed, what, field);
}

/** Parser messages quote the byte string; show them as text again. */
function bytesToText(byteString: string): string {
  const value = bytesToValue(byteString);
  return typeof value === 'string' ? value : byteString;
}

/** Attributes a keyword is matched against: username, names and email (plus the UPN on AD). */
export function keywordAttributes(attributes: AttributeMap, kind: RealmKind): string[] {
  const names = [attributes.username, attributes.displayName, attributes.givenName, attributes.surname, attributes.email];
  if (kind === 'activeDirectory') names.push('userPrincipalName');
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = n.toLowerCase();
    if (!n || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A filter no entry matches: every entry has an objectClass. */
export function matchNothing(): Filter {
  return new NotFilter({ filter: new PresenceFilter({ attribute: 'objectClass' }) });
}

// Control characters never occur in a name; and servers drop them (with zero-width and other
// "mapped to nothing" characters, RFC 4518 §2.2) before comparing — so a NUL alone would become
// an empty assertion that matches *everyone*. Text containing them therefore matches nothing.
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/u;
const mappedToNothing: readonly [number, number][] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x06dd, 0x06dd], [0x070f, 0x070f], [0x1806, 0x1806], [0x180b, 0x180e],
  [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x2063], [0x206a, 0x206f], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
  [0xfff9, 0xfffc],
];

function isMappedToNothing(codePoint: number): boolean {
  return mappedToNothing.some(([from, to]) => codePoint >= from && codePoint <= to);
}

/** True when `text` can never equal or be contained in a directory string value. */
export function cannotMatchDirectoryText(text: string): boolean {
  if (controlCharacter.test(text)) return true;
  for (const ch of text) {
    if (ch !== '*' && !isMappedToNothing(ch.codePointAt(0)!)) return false;
  }
  return true;
}

/**
 * One keyword term: `*` is a wildcard, every other character is literal text. Returns undefined
 * for a term made only of wildcards (it matches everything).
 */
export function termFilter(term: string, attributes: readonly string[]): Filter | undefined {
  const parts = term.split('*');
  if (parts.every((p) => p === '')) return undefined;
  if (cannotMatchDirectoryText(term)) return matchNothing();
  const hasWildcard = parts.length > 1;
  const alternatives = attributes.map((attribute) => {
    if (!hasWildcard) {
      return new SubstringFilter({ attribute, any: [term] });
    }
    // A wildcard anchors nothing: "jo*n" means "contains jo, then later n" like a plain term.
    return new SubstringFilter({ attribute, any: parts.filter((p) => p !== '') });
  });
  return alternatives.length === 1 ? alternatives[0] : new OrFilter({ filters: alternatives });
}

export interface SearchRealm {
  kind: RealmKind;
  userFilter: string;
  attributes: AttributeMap;
}

export type QueryKind = 'all' | 'username' | 'keyword' | 'filter';

export interface BuiltQuery {
  kind: QueryKind;
  /** The filter to send: always includes the realm's user filter. */
  filter: Filter;
}

function checkQueryText(query: unknown): string {
  if (typeof query !== 'string') throw invalidQuery('The search text must be a string.');
  if (Buffer.byteLength(query, 'utf8') > maxQueryBytes) {
    throw invalidQuery(`The search text is longer than ${maxQueryBytes} bytes; shorten it or use a raw LDAP filter.`);
  }
  if (hasLoneSurrogate(query)) throw invalidQuery('The search text contains a broken Unicode character (a lone surrogate).');
  const trimmed = query.trim();
  if (trimmed === '') {
    throw invalidQuery('Type a user name, some keywords, * for every user, or an LDAP filter in parentheses.');
  }
  return trimmed;
}

/** The username attribute equality (on AD a userPrincipalName is accepted too). */
export function usernameFilter(username: string, attributes: AttributeMap, kind: RealmKind): Filter {
  if (cannotMatchDirectoryText(username.replace(/\*/g, 'x'))) return matchNothing();
  const byName = new EqualityFilter({ attribute: attributes.username, value: username });
  if (kind === 'activeDirectory' && username.includes('@') && attributes.username.toLowerCase() !== 'userprincipalname') {
    return new OrFilter({ filters: [byName, new EqualityFilter({ attribute: 'userPrincipalName', value: username })] });
  }
  return byName;
}

export function andWithUserFilter(realm: SearchRealm, filter: Filter | undefined): Filter {
  const userFilter = parseLdapFilter(realm.userFilter, "The realm's user filter", 'userFilter');
  return filter ? new AndFilter({ filters: [userFilter, filter] }) : userFilter;
}

/** Builds the filter for a realm/search query (PROTOCOL.md query semantics). */
export function buildSearchFilter(realm: SearchRealm, query: unknown, mode: SearchMode = 'auto'): BuiltQuery {
  const text = checkQueryText(query);
  let kind: QueryKind;
  if (mode === 'auto') {
    kind = text === '*' ? 'all' : text.startsWith('(') ? 'filter' : 'keyword';
  } else {
    kind = mode;
  }
  switch (kind) {
    case 'all':
      return { kind, filter: andWithUserFilter(realm, undefined) };
    case 'filter':
      return { kind, filter: andWithUserFilter(realm, parseLdapFilter(text, 'The search filter', 'query')) };
    case 'username':
      return { kind, filter: andWithUserFilter(realm, usernameFilter(text, realm.attributes, realm.kind)) };
    case 'keyword': {
      const terms = text.split(/\s+/u).filter((t) => t !== '');
      if (terms.length > maxKeywordTerms) {
        throw invalidQuery(`The search has ${terms.length} words; use at most ${maxKeywordTerms}.`);
      }
      const attributes = keywordAttributes(realm.attributes, realm.kind);
      const filters = terms.map((t) => termFilter(t, attributes)).filter((f): f is Filter => f !== undefined);
      if (filters.length === 0) return { kind: 'all', filter: andWithUserFilter(realm, undefined) };
      return { kind, filter: andWithUserFilter(realm, filters.length === 1 ? filters[0] : new AndFilter({ filters })) };
    }
    default:
      throw invalidQuery(`Unknown search mode "${String(mode)}": use auto, username, keyword or filter.`);
  }
}
