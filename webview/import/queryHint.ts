// The live hint under the Query box: how the backend will read the text (PROTOCOL.md, realm/search
// mode 'auto'), computed in the page as the admin types. Kept in step with the backend's rules:
// `*` = everyone the realm's user filter matches; text starting with `(` = an LDAP filter, ANDed
// with the user filter; anything else = keywords that must all match; `*` inside a keyword is a
// wildcard and every other special character is matched literally.
import type { SearchMode } from '../../protocol/model';

export const FILTER_MAX_BYTES = 4096;
export const FILTER_MAX_DEPTH = 32;

export type QueryKind = 'empty' | 'all' | 'filter' | 'keywords' | 'username' | 'invalid';

export interface QueryHint {
  kind: QueryKind;
  /** One sentence for the admin. */
  text: string;
  /** Keyword terms as they will be matched. */
  terms?: string[];
  /** Whether Search can be pressed. */
  searchable: boolean;
}

export function describeQuery(query: string, mode: SearchMode = 'auto', realmName: string | null = null): QueryHint {
  const where = realmName === null ? 'every enabled directory' : `“${realmName}”`;
  const text = query.trim();
  if (text === '') {
    return { kind: 'empty', searchable: false, text: 'Type a username, keywords, * for everyone, or an LDAP filter such as (department=Sales).' };
  }
  if (mode === 'username') {
    return { kind: 'username', searchable: true, text: `Exact username “${text}” in ${where}.` };
  }
  if (mode === 'filter' || (mode === 'auto' && text.startsWith('('))) {
    const problem = checkFilter(text);
    if (problem) {
      return { kind: 'invalid', searchable: false, text: `LDAP filter: ${problem}` };
    }
    return { kind: 'filter', searchable: true, text: `LDAP filter ${text}, combined (AND) with the user filter of ${where}.` };
  }
  if (mode === 'auto' && text === '*') {
    return {
      kind: 'all',
      searchable: true,
      text:
        realmName === null
          ? 'Everyone the user filters of every enabled directory match (already imported users show their status).'
          : `Everyone the user filter of “${realmName}” matches — imported users can be resynchronized from here.`,
    };
  }
  const terms = text.split(/\s+/);
  const shown = terms.map((t) => `“${t}”`).join(', ');
  const wildcard = terms.some((t) => t.includes('*')) ? ' * is a wildcard;' : '';
  const literal = /[()\\&|=!<>~]/.test(text) ? ' ( ) \\ & | = ! < > ~ are matched as typed;' : '';
  return {
    kind: 'keywords',
    terms,
    searchable: true,
    text: `${terms.length === 1 ? 'Keyword' : 'Keywords'} ${shown}: ${terms.length === 1 ? 'it' : 'each'} must match part of the username, name, given name, surname or email (any case) in ${where}.${wildcard}${literal}`.replace(/;$/, '.'),
  };
}

/** Why a text is not an LDAP filter the backend accepts (balanced parentheses, size, depth), or null. */
export function checkFilter(filter: string): string | null {
  if (new TextEncoder().encode(filter).length > FILTER_MAX_BYTES) {
    return `longer than ${FILTER_MAX_BYTES} bytes.`;
  }
  if (!filter.startsWith('(')) {
    return 'must start with (.';
  }
  let depth = 0;
  let maxDepth = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === '\\') {
      if (!/^[0-9a-fA-F]{2}$/.test(filter.slice(i + 1, i + 3))) {
        return `a backslash must be followed by two hex digits (at position ${i + 1}).`;
      }
      i += 2;
    } else if (c === '(') {
      depth++;
      maxDepth = Math.max(maxDepth, depth);
    } else if (c === ')') {
      depth--;
      if (depth < 0) {
        return `unmatched ) at position ${i + 1}.`;
      }
      const next = filter[i + 1];
      if (depth === 0 && next === '(') {
        return 'more than one filter: wrap them in (&…) or (|…).';
      }
      if (depth === 0 && next !== undefined && next !== ')') {
        return `text after the closing ) at position ${i + 1}.`;
      }
    }
  }
  if (depth !== 0) {
    return 'unbalanced parentheses: a ) is missing.';
  }
  if (maxDepth > FILTER_MAX_DEPTH) {
    return `nested deeper than ${FILTER_MAX_DEPTH} levels.`;
  }
  if (/\(\)/.test(filter)) {
    return 'contains an empty ().';
  }
  return null;
}
