// Fault: a compromised or buggy webview page posts arbitrary messages to the extension host —
// random JSON, wrong envelopes, unknown methods, wrong types, extra keys, huge and deeply nested
// payloads, ids that are not ids. The page router (extension/webviews/pageRouter.ts, importable
// without vscode) is the gate; its own unit tests are the webview helper's — this file fuzzes it.
// Expected: every message gets an error reply (or, for a valid one, a result) — the router never
// throws, never hangs, and a handler only ever sees params that passed its schema (checked here by
// re-validating what the handler received).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { handler, PageRouter, type PageReply } from '../../extension/webviews/pageRouter';
import { ImportRun, ImportSearch, PAGE_JSONRPC, PageErrorCodes } from '../../protocol/webview';
import { tryFault } from '../support/reliabilityTally';

const category = 'webview messages';

function routerWithSpies() {
  const seen: { method: string; params: unknown }[] = [];
  const router = new PageRouter(
    [
      handler(ImportSearch, async (params) => {
        seen.push({ method: ImportSearch.method, params });
        return { rows: [], truncated: false, elapsedMs: 0, failures: [] };
      }),
      handler(ImportRun, async (params) => {
        seen.push({ method: ImportRun.method, params });
        return { report: { created: 0, updated: 0, unchanged: 0, conflicts: 0, missing: 0, failed: [], changes: [] }, realms: [] };
      }),
    ],
    { onRefused: () => undefined },
  );
  return { router, seen };
}

function assertWellFormedReply(reply: PageReply | undefined, what: string): PageReply {
  assert.ok(reply, `${what}: every request gets a reply`);
  assert.equal(reply.jsonrpc, PAGE_JSONRPC);
  if (reply.error) {
    assert.ok(Number.isInteger(reply.error.code), what);
    assert.ok(typeof reply.error.message === 'string' && reply.error.message.length > 5 && reply.error.message.length < 2000, `${what}: a short readable message`);
  }
  return reply;
}

/** What a handler received must itself pass the schema (nothing slipped through). */
function assertHandlersSawValidParams(seen: { method: string; params: unknown }[]): void {
  for (const { method, params } of seen) {
    const schema = method === ImportSearch.method ? ImportSearch.params : ImportRun.params;
    assert.doesNotThrow(() => schema.parse(params, ''), `${method} handler received invalid params ${JSON.stringify(params)?.slice(0, 200)}`);
  }
}

test('random JSON values and random envelopes never crash the router or reach a handler unchecked', { timeout: 60_000 }, async () => {
  await tryFault(category, '2,000 random messages (fast-check)', async () => {
    const { router, seen } = routerWithSpies();
    const envelope = fc.record(
      {
        jsonrpc: fc.oneof(fc.constant(PAGE_JSONRPC), fc.anything()),
        id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        method: fc.oneof(fc.constantFrom(ImportSearch.method, ImportRun.method, 'webview/cancel', 'realm/delete', '__proto__', 'constructor', ''), fc.string()),
        params: fc.oneof(fc.anything(), fc.jsonValue(), fc.record({ realmId: fc.anything(), query: fc.anything(), mode: fc.anything(), operationId: fc.anything() })),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.anything(), envelope), async (message) => {
        const reply = await router.receive(message);
        if (reply !== undefined) assertWellFormedReply(reply, 'random');
      }),
      { numRuns: 2000 },
    );
    assertHandlersSawValidParams(seen);
  });
});

test('targeted hostile messages get the right refusal', { timeout: 60_000 }, async () => {
  const { router, seen } = routerWithSpies();
  const request = (method: string, params: unknown, id: unknown = 1) => ({ jsonrpc: PAGE_JSONRPC, id, method, params });
  const deep = (n: number): unknown => (n === 0 ? 'x' : { a: deep(n - 1) });
  const cases: { name: string; message: unknown; code: number }[] = [
    { name: 'not an object', message: 'importPage/search', code: PageErrorCodes.invalidRequest },
    { name: 'an array', message: [request(ImportSearch.method, { realmId: 1, query: 'a' })], code: PageErrorCodes.invalidRequest },
    { name: 'wrong jsonrpc version', message: { ...request(ImportSearch.method, { realmId: 1, query: 'a' }), jsonrpc: '1.0' }, code: PageErrorCodes.invalidRequest },
    { name: 'string id', message: request(ImportSearch.method, { realmId: 1, query: 'a' }, '1'), code: PageErrorCodes.invalidRequest },
    { name: 'negative id', message: request(ImportSearch.method, { realmId: 1, query: 'a' }, -1), code: PageErrorCodes.invalidRequest },
    { name: 'extra envelope member', message: { ...request(ImportSearch.method, { realmId: 1, query: 'a' }), command: 'workbench.action.terminal.new' }, code: PageErrorCodes.invalidRequest },
    { name: 'unknown method', message: request('realm/delete', { realmId: 1, users: 'delete' }), code: PageErrorCodes.methodNotFound },
    { name: 'backend method name', message: request('user/delete', { userIds: [1] }), code: PageErrorCodes.methodNotFound },
    { name: '__proto__ method', message: request('__proto__', {}), code: PageErrorCodes.methodNotFound },
    { name: 'very long method name', message: request('x'.repeat(10_000), {}), code: PageErrorCodes.invalidRequest },
    { name: 'realmId as string', message: request(ImportSearch.method, { realmId: '1', query: 'a' }), code: PageErrorCodes.invalidParams },
    { name: 'realmId 0 (not an id)', message: request(ImportSearch.method, { realmId: 0, query: 'a' }), code: PageErrorCodes.invalidParams },
    { name: 'realmId 1.5', message: request(ImportSearch.method, { realmId: 1.5, query: 'a' }), code: PageErrorCodes.invalidParams },
    { name: 'realmId beyond safe integers', message: request(ImportSearch.method, { realmId: 2 ** 60, query: 'a' }), code: PageErrorCodes.invalidParams },
    { name: 'query as object', message: request(ImportSearch.method, { realmId: 1, query: { $ne: '' } }), code: PageErrorCodes.invalidParams },
    { name: 'query over 4 KiB', message: request(ImportSearch.method, { realmId: 1, query: 'q'.repeat(5000) }), code: PageErrorCodes.invalidParams },
    { name: 'unknown mode', message: request(ImportSearch.method, { realmId: 1, query: 'a', mode: 'raw' }), code: PageErrorCodes.invalidParams },
    { name: 'extra param key', message: request(ImportSearch.method, { realmId: 1, query: 'a', filter: '(uid=*)' }), code: PageErrorCodes.invalidParams },
    { name: '__proto__ param key', message: request(ImportSearch.method, JSON.parse('{"realmId":1,"query":"a","__proto__":{"admin":true}}')), code: PageErrorCodes.invalidParams },
    { name: 'operation id with path characters', message: request(ImportSearch.method, { realmId: 1, query: 'a', operationId: '../../etc' }), code: PageErrorCodes.invalidParams },
    { name: '8 MB string', message: request(ImportSearch.method, { realmId: 1, query: 'q'.repeat(8_000_000) }), code: PageErrorCodes.invalidParams },
    { name: '300,000 entries', message: request(ImportRun.method, { operationId: 'op1', selections: [{ realmId: 1, entries: Array.from({ length: 300_000 }, () => ({ uuid: 'u' })) }], roleIds: [], dryRun: false }), code: PageErrorCodes.invalidParams },
    { name: '10,001 entries (over the import limit)', message: request(ImportRun.method, { operationId: 'op2', selections: [{ realmId: 1, entries: Array.from({ length: 10_001 }, () => ({ uuid: 'u' })) }], roleIds: [], dryRun: false }), code: PageErrorCodes.invalidParams },
    { name: 'nested 10,000 deep', message: request(ImportRun.method, deep(10_000)), code: PageErrorCodes.invalidParams },
    { name: 'role id that is not an id', message: request(ImportRun.method, { operationId: 'op3', selections: [], roleIds: [-1], dryRun: false }), code: PageErrorCodes.invalidParams },
    { name: 'dryRun as string', message: request(ImportRun.method, { operationId: 'op4', selections: [], roleIds: [], dryRun: 'false' }), code: PageErrorCodes.invalidParams },
    { name: 'missing params', message: { jsonrpc: PAGE_JSONRPC, id: 9, method: ImportSearch.method }, code: PageErrorCodes.invalidParams },
  ];
  for (const c of cases) {
    await tryFault(category, c.name, async () => {
      const started = performance.now();
      const reply = assertWellFormedReply(await router.receive(c.message), c.name);
      assert.equal(reply.error?.code, c.code, `${c.name}: ${JSON.stringify(reply.error)}`);
      assert.ok(performance.now() - started < 5000, `${c.name}: answered quickly`);
    });
  }
  assert.equal(seen.length, 0, 'no hostile message reached a handler');
  // A valid message still works afterwards.
  const ok = await router.receive(request(ImportSearch.method, { realmId: 1, query: 'alice', mode: 'keyword' }, 42));
  assert.equal(ok?.id, 42);
  assert.ok(ok && !ok.error);
  assertHandlersSawValidParams(seen);
});
