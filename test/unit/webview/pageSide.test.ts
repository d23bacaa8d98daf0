// Page-side pieces that run without a browser: the request/reply matching of PageRpc, drafts kept
// in the state slot (sanitized when read back, never trusted), and the Resynchronize candidates
// order (the entry with the user's UUID first).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DirectoryEntry } from '../../../protocol/model';
import { ImportSearch, PageErrorCodes, WebviewProgress } from '../../../protocol/webview';
import { DraftStore, sameShape } from '../../../webview/common/pageState';
import { PageRequestError, PageRpc, type PageTransport } from '../../../webview/common/rpc';
import { candidateLabel, isUuidMatch, orderCandidates } from '../../../webview/resync/candidates';

function loopTransport() {
  const posted: { id: number; method: string; params: unknown }[] = [];
  let deliver: (m: unknown) => void = () => undefined;
  const transport: PageTransport = {
    post: (m) => posted.push(m as { id: number; method: string; params: unknown }),
    listen: (on) => {
      deliver = on;
      return () => {
        deliver = () => undefined;
      };
    },
  };
  return { transport, posted, deliver: (m: unknown) => deliver(m) };
}

describe('page rpc', () => {
  it('matches replies by id, rejects error replies with code and field, and ignores foreign messages', async () => {
    const t = loopTransport();
    const rpc = new PageRpc(t.transport);
    const first = rpc.request(ImportSearch, { realmId: 1, query: 'a' });
    const second = rpc.request(ImportSearch, { realmId: 1, query: '(' });
    assert.deepEqual(t.posted.map((p) => [p.id, p.method]), [[1, 'importPage/search'], [2, 'importPage/search']]);
    t.deliver('noise');
    t.deliver({ type: 'some-extension-message' });
    t.deliver({ jsonrpc: '2.0', id: 2, error: { code: PageErrorCodes.invalidParams, message: 'Invalid query', data: { field: 'query' } } });
    t.deliver({ jsonrpc: '2.0', id: 1, result: { rows: [], truncated: false, elapsedMs: 1, failures: [] } });
    assert.deepEqual(await first, { rows: [], truncated: false, elapsedMs: 1, failures: [] });
    await assert.rejects(second, (err: unknown) => err instanceof PageRequestError && err.code === PageErrorCodes.invalidParams && err.data.field === 'query');
  });

  it('delivers notifications and rejects pending requests when disposed', async () => {
    const t = loopTransport();
    const rpc = new PageRpc(t.transport);
    const seen: unknown[] = [];
    rpc.onNotification(WebviewProgress, (p) => seen.push(p));
    t.deliver({ jsonrpc: '2.0', method: 'webview/progress', params: { operationId: 'import-1', done: 5, total: 10, message: 'Applying' } });
    assert.deepEqual(seen, [{ operationId: 'import-1', done: 5, total: 10, message: 'Applying' }]);
    const pending = rpc.request(ImportSearch, { realmId: null, query: '*' });
    rpc.dispose();
    await assert.rejects(pending, /closed/);
  });
});

describe('drafts', () => {
  it('reads back only known keys with the right types, and batches writes', async () => {
    let stored: unknown = { query: 'alice', selected: ['1:a'], realm: 7, injected: '<script>', searched: 'yes' };
    let writes = 0;
    const slot = { getState: () => stored, setState: (s: unknown) => ((stored = s), writes++) };
    const drafts = new DraftStore(slot, { query: '', selected: [] as string[], realm: '', searched: false }, sameShape, 10);
    assert.deepEqual(drafts.value, { query: 'alice', selected: ['1:a'], realm: '', searched: false });
    drafts.update({ query: 'a' });
    drafts.update({ query: 'al' });
    assert.equal(writes, 0);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(writes, 1);
    drafts.updateNow({ realm: 'all' });
    assert.equal(writes, 2);
    assert.deepEqual(stored, { query: 'al', selected: ['1:a'], realm: 'all', searched: false });
  });

  it('a missing or broken state falls back to the defaults', () => {
    for (const state of [undefined, null, 'x', [1, 2]]) {
      const drafts = new DraftStore({ getState: () => state, setState: () => undefined }, { query: '' }, sameShape);
      assert.deepEqual(drafts.value, { query: '' });
    }
  });
});

describe('resync candidates', () => {
  const entry = (username: string, uuid: string): DirectoryEntry => ({
    dn: `uid=${username},dc=x`,
    uuid,
    username,
    displayName: username.toUpperCase(),
    givenName: '',
    surname: '',
    email: `${username}@x.test`,
    department: '',
    title: '',
    phone: '',
    disabled: false,
    status: 'imported',
  });

  it('puts the entry holding the user’s UUID first, case-insensitively', () => {
    const user = { ldapUuid: 'ABC-1' };
    const ordered = orderCandidates([entry('bob', 'zzz'), entry('bob2', 'abc-1'), entry('bob3', 'yyy')], user);
    assert.deepEqual(ordered.map((e) => e.username), ['bob2', 'bob', 'bob3']);
    assert.equal(isUuidMatch(ordered[0]!, user), true);
    assert.equal(isUuidMatch(ordered[1]!, { ldapUuid: undefined }), false);
    assert.equal(candidateLabel(ordered[0]!), 'bob2 — BOB2 <bob2@x.test>');
  });
});
