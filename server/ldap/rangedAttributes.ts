// Active Directory returns a large multi-valued attribute (member, memberOf beyond MaxValRange,
// 1500 values) in slices named `member;range=0-1499`, and the rest only when asked for
// `member;range=1500-*`. Reading only the first slice would silently truncate the attribute, so
// every entry that carries a slice is completed here, or the read fails saying which attribute.
import { ResponseError } from 'vscode-jsonrpc';
import type { Entry } from 'ldapts';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';

const rangePattern = /^(.+);range=(\d+)-(\d+|\*)$/i;

/** Loop guard: a server that never sends the final `*` slice is stopped, not followed forever. */
const maxSlices = 10_000;

/** Reads attribute `name;range=<start>-*` of the entry at `dn` (undefined when not returned). */
export type RangeFetcher = (dn: string, rangedAttribute: string) => Promise<Entry | undefined>;

interface Slice {
  attribute: string;
  start: number;
  end: number | '*';
  key: string;
}

function sliceOf(key: string): Slice | undefined {
  const m = rangePattern.exec(key);
  if (!m) return undefined;
  return { attribute: m[1]!, start: Number(m[2]), end: m[3] === '*' ? '*' : Number(m[3]), key };
}

function values(value: Entry[string]): (string | Buffer)[] {
  return Array.isArray(value) ? [...value] : [value];
}

function incomplete(dn: string, attribute: string, why: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(
    ErrorCodes.sizeLimit,
    `The directory returned attribute "${attribute}" of "${dn}" in ranges and ${why}; the read was stopped rather than keep a partial value. Try again, or leave "${attribute}" out of the attribute mapping.`,
  );
}

/** True when some attribute of the entry came back as a range slice. */
export function hasRangedAttributes(entry: Entry): boolean {
  return Object.keys(entry).some((k) => rangePattern.test(k));
}

/**
 * Replaces every `attr;range=a-b` of `entry` by `attr` with all its values, fetching the
 * remaining slices with `fetch`. Throws (1105) when a slice is missing or out of order.
 */
export async function completeRangedAttributes(entry: Entry, fetch: RangeFetcher): Promise<Entry> {
  const slices = Object.keys(entry).map(sliceOf).filter((s): s is Slice => s !== undefined);
  if (slices.length === 0) return entry;
  const completed: Entry = { ...entry };
  for (const first of slices) {
    delete completed[first.key];
    const collected = values(entry[first.key]!);
    let slice = first;
    for (let n = 0; slice.end !== '*'; n++) {
      if (n >= maxSlices) throw incomplete(entry.dn, first.attribute, `never sent its last range after ${maxSlices} requests`);
      const nextStart = slice.end + 1;
      const next = await fetch(entry.dn, `${first.attribute};range=${nextStart}-*`);
      if (!next) throw incomplete(entry.dn, first.attribute, `the entry was gone when the range from ${nextStart} was asked for`);
      const found = Object.keys(next)
        .map(sliceOf)
        .find((s) => s !== undefined && s.attribute.toLowerCase() === first.attribute.toLowerCase());
      if (!found) throw incomplete(entry.dn, first.attribute, `the range from ${nextStart} came back without the attribute`);
      if (found.start !== nextStart) {
        throw incomplete(entry.dn, first.attribute, `the range from ${nextStart} came back starting at ${found.start}`);
      }
      collected.push(...values(next[found.key]!));
      slice = found;
    }
    const existing = Object.keys(completed).find((k) => k.toLowerCase() === first.attribute.toLowerCase());
    completed[existing ?? first.attribute] = [...(existing ? values(completed[existing]!) : []), ...collected] as Entry[string];
  }
  return completed;
}
