// The host's gate for page messages (issue 5, acceptance 2): malicious messages — unknown
// method, wrong types, a realm id that does not exist, a 1 MB string, extra members, non-objects —
// get an error reply and nothing reaches the backend; valid ones are relayed as they should be.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes } from '../../../protocol/errors';
import type { ImportReport } from '../../../protocol/model';
import { PageErrorCodes } from '../../../protocol/webview';
import { importPageHandlers } from '../../../extension/webviews/importPageHandlers';
import { KnownIds, type PageHostDeps } from '../../../extension/webviews/pageHostDeps';
import { PageRouter, measureMessage, type PageReply } from '../../../extension/webviews/pageRouter';
import { realmEditorHandlers } from '../../../extension/webviews/realmEditorHandlers';
import { userPageHandlers } from '../../../extension/webviews/userPageHandlers';
import { RecordingBackend, realmFixture, rolesFixture } from './recordingBackend';

const emptyReport: ImportReport = { created: 0, updated: 0, unchanged: 0, conflicts: 0, missing: 0, failed: [], changes: [] };

function setup(overrides: Partial<PageHostDeps> = {}) {
  const backend = new RecordingBackend({
    'realm/list': () => [realmFixture(1, 'Corp'), realmFixture(2, 'Lab', false)],
    'role/list': () => rolesFixture,
    'realm/search': (p: { realmId: number }) => ({
      entries: [
        {
          dn: `uid=alice,ou=people,dc=r${p.realmId}`,
          uuid: `uuid-alice-${p.realmId}`,
          username: 'alice',
          displayName: 'Alice',
          givenName: 'Alice',
          surname: 'A',
          email: 'alice@example.test',
          department: 'Sales',
          title: '',
          phone: '',
          disabled: false,
          status: 'new',
        },
      ],
      truncated: false,
      elapsedMs: 3,
    }),
    'user/import': (p: { dryRun?: boolean; entries: unknown[] }) => ({ ...emptyReport, created: p.entries.length }),
  });
  const stored: { realmId: number; password: string }[] = [];
  const deps: PageHostDeps = {
    backend,
    secrets: {
      hasPassword: async () => false,
      storePassword: async (realm, password) => {
        stored.push({ realmId: realm.id, password });
      },
    },
    dialogs: { pickCaFile: async () => null, confirm: async () => true },
    commands: { openResync: async () => undefined, convertToExternal: async () => undefined },
    settings: { searchLimit: () => 1000, defaultRoleNames: () => ['viewer'] },
    readOnly: () => false,
    canContactDirectories: () => true,
    ...overrides,
  };
  const known = new KnownIds(backend);
  const router = new PageRouter(importPageHandlers(deps, known, null), { scopeOperationId: (id) => `p1.${id}` });
  let nextId = 1;
  const send = (method: string, params?: unknown) => router.receive({ jsonrpc: '2.0', id: nextId++, method, params });
  return { backend, deps, known, router, send, stored };
}

async function ready(s: ReturnType<typeof setup>) {
  const reply = await s.send('webview/ready', {});
  assert.equal(reply?.error, undefined, JSON.stringify(reply?.error));
  return reply;
}

function assertRefused(reply: PageReply | undefined, code: number, pattern?: RegExp): void {
  assert.ok(reply?.error, `expected an error reply, got ${JSON.stringify(reply)}`);
  assert.equal(reply.error.code, code, reply.error.message);
  if (pattern) {
    assert.match(reply.error.message, pattern);
  }
}

describe('page router: malicious messages get an error reply and never reach the backend', () => {
  it('unknown method', async () => {
    const s = setup();
    await ready(s);
    const before = s.backend.calls.length;
    assertRefused(await s.send('realm/delete', { realmId: 1, users: 'delete' }), PageErrorCodes.methodNotFound, /cannot ask for/);
    assertRefused(await s.send('user/import', { realmId: 1, entries: [] }), PageErrorCodes.methodNotFound);
    assertRefused(await s.send('__proto__', {}), PageErrorCodes.methodNotFound);
    assertRefused(await s.send('constructor', {}), PageErrorCodes.methodNotFound);
    assert.equal(s.backend.calls.length, before);
  });

  it('wrong types, missing and extra fields', async () => {
    const s = setup();
    await ready(s);
    const before = s.backend.calls.length;
    const cases: [unknown, string][] = [
      [{ realmId: '1', query: 'alice' }, 'realmId'],
      [{ realmId: 1.5, query: 'alice' }, 'realmId'],
      [{ realmId: -1, query: 'alice' }, 'realmId'],
      [{ realmId: 1, query: 42 }, 'query'],
      [{ realmId: 1 }, 'query'],
      [{ realmId: 1, query: '' }, 'query'],
      [{ realmId: 1, query: 'a', mode: 'sql' }, 'mode'],
      [{ realmId: 1, query: 'a', extra: true }, 'extra'],
      [{ realmId: 1, query: 'a', operationId: 'x:y' }, 'operationId'],
      [[1, 'alice'], ''],
      ['alice', ''],
      [null, ''],
    ];
    for (const [params, field] of cases) {
      const reply = await s.send('importPage/search', params);
      assertRefused(reply, PageErrorCodes.invalidParams);
      assert.equal(reply!.error!.data?.field ?? '', field, JSON.stringify(params));
    }
    assertRefused(await s.send('importPage/import', { operationId: 'i1', selections: [{ realmId: 1, entries: [{ uuid: 7 }] }], roleIds: [], dryRun: true }), PageErrorCodes.invalidParams);
    assertRefused(await s.send('importPage/import', { operationId: 'i1', selections: [], roleIds: ['1'], dryRun: true }), PageErrorCodes.invalidParams);
    assertRefused(await s.send('importPage/import', { operationId: 'i1', selections: [], roleIds: [], dryRun: 'no' }), PageErrorCodes.invalidParams);
    assert.equal(s.backend.calls.length, before);
  });

  it('a realm id or role id that does not exist', async () => {
    const s = setup();
    await ready(s);
    const before = s.backend.calls.length;
    const reply = await s.send('importPage/search', { realmId: 999, query: 'alice' });
    assertRefused(reply, ErrorCodes.realmNotFound, /no directory with id 999/);
    assert.equal(reply!.error!.data?.realmId, 999);
    assertRefused(
      await s.send('importPage/import', { operationId: 'i1', selections: [{ realmId: 999, entries: [{ uuid: 'u' }] }], roleIds: [], dryRun: false }),
      ErrorCodes.realmNotFound,
    );
    assertRefused(
      await s.send('importPage/import', { operationId: 'i2', selections: [{ realmId: 1, entries: [{ uuid: 'u' }] }], roleIds: [42], dryRun: false }),
      ErrorCodes.invalidInput,
      /Unknown role id 42/,
    );
    assertRefused(
      await s.send('importPage/import', { operationId: 'i3', selections: [{ realmId: 1, entries: [{}] }], roleIds: [], dryRun: false }),
      ErrorCodes.invalidInput,
    );
    assert.equal(s.backend.calls.length, before);
  });

  it('a 1 MB string, anywhere in the message', async () => {
    const s = setup();
    await ready(s);
    const before = s.backend.calls.length;
    const big = 'x'.repeat(1024 * 1024);
    assertRefused(await s.send('importPage/search', { realmId: 1, query: big }), PageErrorCodes.invalidParams, /too long/);
    assertRefused(await s.send('importPage/rolesOfUser', { username: big }), PageErrorCodes.invalidParams, /too long/);
    assertRefused(await s.send(big, {}), PageErrorCodes.invalidRequest);
    assertRefused(await s.send('importPage/search', { realmId: 1, query: 'a', [big]: 1 }), PageErrorCodes.invalidParams);
    const huge = { operationId: 'i1', selections: [{ realmId: 1, entries: Array.from({ length: 5 }, () => ({ dn: 'x'.repeat(1_000_000) })) }], roleIds: [], dryRun: true };
    assertRefused(await s.send('importPage/import', huge), PageErrorCodes.invalidParams, /too large/);
    assert.equal(s.backend.calls.length, before);
  });

  it('broken envelopes', async () => {
    const s = setup();
    await ready(s);
    const before = s.backend.calls.length;
    for (const raw of [null, 'webview/ready', 42, [], { method: 'webview/ready', id: 1 }, { jsonrpc: '2.0', method: 'webview/ready' }, { jsonrpc: '2.0', id: '1', method: 'webview/ready' }, { jsonrpc: '2.0', id: 1, method: 'webview/ready', params: {}, result: 1 }]) {
      assertRefused(await s.router.receive(raw), PageErrorCodes.invalidRequest);
    }
    // `__proto__` as a key: JSON.parse makes it an own key, which the strict schema refuses.
    assertRefused(await s.send('importPage/search', JSON.parse('{"realmId":1,"query":"a","__proto__":{"polluted":true}}')), PageErrorCodes.invalidParams);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(s.backend.calls.length, before);
  });

  it('deeply nested params are refused before any schema looks at them', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = { a: deep };
    assert.match(measureMessage(deep) ?? '', /nested too deeply/);
    assert.equal(measureMessage({ a: ['b', { c: 'd' }] }), null);
  });
});

describe('page router: valid messages are relayed', () => {
  it('ready returns realms, roles and the default roles from the settings', async () => {
    const s = setup();
    const reply = await ready(s);
    const boot = reply!.result as { realms: { id: number }[]; roles: unknown[]; defaultRoleIds: number[]; preselectedRealmId: number | null };
    assert.deepEqual(boot.realms.map((r) => r.id), [1, 2]);
    assert.deepEqual(boot.defaultRoleIds, [1]);
    assert.equal(boot.preselectedRealmId, null);
    assert.deepEqual(s.backend.methods().sort(), ['realm/list', 'role/list']);
  });

  it('search in one realm sends the query, mode, limit and a scoped operation id', async () => {
    const s = setup();
    await ready(s);
    const reply = await s.send('importPage/search', { realmId: 1, query: 'ali*', mode: 'keyword', operationId: 'search-1' });
    assert.equal(reply?.error, undefined);
    const call = s.backend.calls.at(-1)!;
    assert.equal(call.method, 'realm/search');
    assert.deepEqual(call.params, { realmId: 1, query: 'ali*', mode: 'keyword', limit: 1000, operationId: 'p1.search-1' });
    const result = reply!.result as { rows: { realmId: number; realmName: string; username: string }[] };
    assert.deepEqual(result.rows.map((r) => [r.realmId, r.realmName, r.username]), [[1, 'Corp', 'alice']]);
  });

  it('search in all realms asks every enabled realm only', async () => {
    const s = setup();
    await ready(s);
    await s.send('importPage/search', { realmId: null, query: '*' });
    const searched = s.backend.calls.filter((c) => c.method === 'realm/search').map((c) => (c.params as { realmId: number }).realmId);
    assert.deepEqual(searched, [1]);
  });

  it('import relays entries and roles per realm, dry run first', async () => {
    const s = setup();
    await ready(s);
    const reply = await s.send('importPage/import', {
      operationId: 'imp-1',
      selections: [{ realmId: 1, entries: [{ uuid: 'u1', dn: 'uid=a' }, { uuid: 'u2' }] }],
      roleIds: [2, 2, 3],
      dryRun: true,
    });
    assert.equal(reply?.error, undefined);
    const call = s.backend.calls.at(-1)!;
    assert.equal(call.method, 'user/import');
    assert.deepEqual(call.params, {
      realmId: 1,
      entries: [{ uuid: 'u1', dn: 'uid=a' }, { uuid: 'u2' }],
      roles: [{ roleId: 2 }, { roleId: 3 }],
      dryRun: true,
      operationId: 'p1.imp-1',
    });
    assert.equal((reply!.result as { report: ImportReport }).report.created, 2);
  });

  it('a write is refused in read-only mode, before the backend', async () => {
    const s = setup({ readOnly: () => true });
    await ready(s);
    const before = s.backend.calls.length;
    assertRefused(
      await s.send('importPage/import', { operationId: 'i', selections: [{ realmId: 1, entries: [{ uuid: 'u' }] }], roleIds: [], dryRun: false }),
      ErrorCodes.databaseReadOnly,
    );
    assert.equal(s.backend.calls.length, before);
  });

  it('an untrusted workspace contacts no directory', async () => {
    const s = setup({ canContactDirectories: () => false });
    await ready(s);
    const before = s.backend.calls.length;
    assertRefused(await s.send('importPage/search', { realmId: 1, query: 'alice' }), ErrorCodes.invalidInput, /not trusted/);
    assert.equal(s.backend.calls.length, before);
  });

  it('webview/cancel cancels the running operation and the page gets a cancelled reply', async () => {
    let sawCancel = false;
    const s = setup();
    (s.backend as unknown as { answers: Record<string, unknown> }).answers['user/import'] = (_p: unknown, token?: { onCancellationRequested(cb: () => void): void }) =>
      new Promise((_resolve, reject) => {
        token?.onCancellationRequested(() => {
          sawCancel = true;
          reject(new Error('cancelled by the test'));
        });
      });
    await ready(s);
    const running = s.send('importPage/import', { operationId: 'imp-9', selections: [{ realmId: 1, entries: [{ uuid: 'u' }] }], roleIds: [], dryRun: false });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(s.router.runningOperations, ['p1.imp-9']);
    const cancelReply = await s.send('webview/cancel', { operationId: 'imp-9' });
    assert.deepEqual(cancelReply?.result, null);
    const reply = await running;
    assert.equal(sawCancel, true);
    assertRefused(reply, PageErrorCodes.cancelled);
    assert.deepEqual(s.router.runningOperations, []);
  });

  it('the realm editor never sends a password to the backend in realm/save; it goes to the secret store', async () => {
    const s = setup();
    const savedRealm = realmFixture(7, 'New');
    (s.backend as unknown as { answers: Record<string, unknown> }).answers['realm/save'] = () => savedRealm;
    let created = 0;
    const subject = { realmId: null as number | null, onCreated: (id: number) => (created = id) };
    const router = new PageRouter(realmEditorHandlers(s.deps, s.known, subject));
    const input = { name: 'New', kind: 'openldap', url: 'ldaps://ldap7.example.test:636', bindDn: 'cn=reader,dc=example,dc=test', baseDn: 'dc=example,dc=test' };
    await router.receive({ jsonrpc: '2.0', id: 1, method: 'webview/ready', params: {} });
    const reply = await router.receive({ jsonrpc: '2.0', id: 2, method: 'realmEditor/save', params: { realm: input, password: 'S3cret!' } });
    assert.equal(reply?.error, undefined, JSON.stringify(reply?.error));
    const save = s.backend.calls.find((c) => c.method === 'realm/save')!;
    assert.ok(!JSON.stringify(save.params).includes('S3cret!'));
    assert.deepEqual(s.stored, [{ realmId: 7, password: 'S3cret!' }]);
    assert.equal(created, 7);
    // Now the panel edits realm 7: a message naming another realm is refused.
    const other = await router.receive({ jsonrpc: '2.0', id: 3, method: 'realmEditor/save', params: { realm: { ...input, id: 1 } } });
    assertRefused(other, ErrorCodes.invalidInput, /another directory/);
  });

  it('the user page refuses to edit an external user’s LDAP fields', async () => {
    const s = setup();
    const detail = {
      user: { id: 5, username: 'bob', category: 'external', realmId: 1, displayName: 'Bob', loginEnabled: true, ldapDisabled: false, roles: [] },
      roles: [],
      rawAttributes: {},
      audit: [],
    };
    (s.backend as unknown as { answers: Record<string, unknown> }).answers['user/get'] = () => detail;
    const router = new PageRouter(userPageHandlers(s.deps, s.known, 5));
    await router.receive({ jsonrpc: '2.0', id: 1, method: 'webview/ready', params: {} });
    const reply = await router.receive({ jsonrpc: '2.0', id: 2, method: 'userPage/saveFields', params: { fields: { email: 'x@y' } } });
    assertRefused(reply, ErrorCodes.invalidInput, /come from LDAP/);
    assert.ok(!s.backend.methods().includes('user/update'));
  });
});
