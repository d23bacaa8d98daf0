// Range retrieval (AD's `member;range=0-1499`): every slice is read and merged, and a slice that
// is missing, out of order or never-ending fails the read instead of truncating the attribute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc';
import type { Entry } from 'ldapts';
import { completeRangedAttributes, hasRangedAttributes, type RangeFetcher } from '../../server/ldap/rangedAttributes';
import { ErrorCodes } from '../../protocol/errors';

const dn = 'CN=Big,OU=Staff,DC=samdom,DC=test';
const values = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `CN=G${from + i}`);

/** Serves slices of 1,500 values of `member` (3,200 in all), as AD does. */
function adLike(total = 3200, slice = 1500): RangeFetcher {
  return async (_dn, ranged) => {
    const start = Number(/range=(\d+)-\*/.exec(ranged)![1]);
    const end = Math.min(start + slice - 1, total - 1);
    const last = end === total - 1;
    return { dn, [`member;range=${start}-${last ? '*' : end}`]: values(start, end) };
  };
}

test('three slices are read and merged under the attribute name, in order', async () => {
  const first: Entry = { dn, cn: 'Big', 'member;range=0-1499': values(0, 1499) };
  assert.equal(hasRangedAttributes(first), true);
  const asked: string[] = [];
  const fetch = adLike();
  const done = await completeRangedAttributes(first, async (d, r) => (asked.push(r), fetch(d, r)));
  assert.deepEqual(asked, ['member;range=1500-*', 'member;range=3000-*']);
  assert.deepEqual(done.member, values(0, 3199));
  assert.equal(Object.keys(done).some((k) => k.includes(';range=')), false);
  assert.equal(done.cn, 'Big');
});

test('an entry without slices is returned as it is, and nothing is fetched', async () => {
  const entry: Entry = { dn, member: ['CN=A'] };
  assert.equal(hasRangedAttributes(entry), false);
  const done = await completeRangedAttributes(entry, async () => assert.fail('no fetch expected'));
  assert.deepEqual(done, entry);
});

async function refused(fetch: RangeFetcher, why: RegExp) {
  await assert.rejects(completeRangedAttributes({ dn, 'member;range=0-1499': values(0, 1499) }, fetch), (err: unknown) => {
    assert.ok(err instanceof ResponseError);
    assert.equal(err.code, ErrorCodes.sizeLimit);
    assert.match(err.message, /"member"/);
    assert.match(err.message, why);
    return true;
  });
}

test('a slice that starts elsewhere than where the previous ended fails the read', async () => {
  await refused(async () => ({ dn, 'member;range=1600-*': values(1600, 1700) }), /starting at 1600/);
});

test('a follow-up without the attribute, or without the entry, fails the read', async () => {
  await refused(async () => ({ dn, cn: 'Big' }), /without the attribute/);
  await refused(async () => undefined, /gone/);
});

test('a server that never sends the final "*" slice is stopped, not followed forever', async () => {
  await refused(async (_d, r) => {
    const start = Number(/range=(\d+)-\*/.exec(r)![1]);
    return { dn, [`member;range=${start}-${start}`]: [`CN=G${start}`] };
  }, /never sent its last range/);
});
