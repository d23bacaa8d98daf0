// The registry file: the setting, relative to the first workspace folder, or absolute.
import assert from 'node:assert/strict';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveDatabasePath } from '../../../extension/databasePath';

test('default and relative paths resolve against the first folder', () => {
  assert.deepEqual(resolveDatabasePath('.vscode/ldap-users.sqlite', '/ws/a'), { ok: true, path: '/ws/a/.vscode/ldap-users.sqlite' });
  assert.deepEqual(resolveDatabasePath('', '/ws/a'), { ok: true, path: '/ws/a/.vscode/ldap-users.sqlite' });
  assert.deepEqual(resolveDatabasePath('../b/users.sqlite', '/ws/a'), { ok: true, path: '/ws/b/users.sqlite' });
});

test('absolute and ~ paths need no folder', () => {
  assert.deepEqual(resolveDatabasePath('/srv/users.sqlite', undefined), { ok: true, path: '/srv/users.sqlite' });
  assert.deepEqual(resolveDatabasePath('~/users.sqlite', undefined), { ok: true, path: join(homedir(), 'users.sqlite') });
});

test('a relative path without a folder says what to do', () => {
  const r = resolveDatabasePath('.vscode/ldap-users.sqlite', undefined);
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.reason : '', /Open a folder.*absolute path/);
});
