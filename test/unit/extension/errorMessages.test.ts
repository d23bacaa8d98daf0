// Backend errors become messages that say what to do, with the actions to offer. The real
// notifications (buttons running Edit Directory / Set Bind Password / Show Log) are checked in
// the e2e suite (test/e2e); this covers the mapping for every code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../../protocol/errors';
import { BackendUnavailableError } from '../../../extension/backend/backendClient';
import { describeError, isCancellation } from '../../../extension/errors/errorMessages';

const err = (code: number, message: string, data?: object) => new ResponseError(code, message, data);

test('bind rejected: set the bind password or check the DN, with the realm from data', () => {
  const m = describeError(err(ErrorCodes.bindRejected, 'The directory "Corp" rejected the bind', { realmId: 4 }), 'Import users', 'Corp');
  assert.equal(m.severity, 'error');
  assert.deepEqual(m.actions, ['setBindPassword', 'editDirectory']);
  assert.equal(m.realmId, 4);
  assert.match(m.message, /^Import users failed: The directory "Corp" rejected the bind\. Set the bind password again, or check the bind DN of "Corp"\.$/);
});

test('cannot connect / timeout / TLS offer Edit Directory, Test Connection and the log as fits', () => {
  assert.deepEqual(describeError(err(ErrorCodes.cannotConnect, 'ECONNREFUSED 127.0.0.1:1')).actions, ['editDirectory', 'testConnection', 'showLog']);
  assert.match(describeError(err(ErrorCodes.cannotConnect, 'x')).message, /server is running and reachable/);
  assert.deepEqual(describeError(err(ErrorCodes.timeout, 'x')).actions, ['testConnection', 'editDirectory', 'showLog']);
  const tls = describeError(err(ErrorCodes.tlsFailure, 'certificate has expired'));
  assert.deepEqual(tls.actions, ['editDirectory', 'showLog']);
  assert.match(tls.message, /CA certificate file and TLS server name/);
  assert.match(describeError(err(ErrorCodes.insecureBindRefused, 'x')).message, /ldaps:\/\/ or StartTLS/);
});

test('database errors point at the file and the setting, never suggest editing a directory', () => {
  const corrupt = describeError(err(ErrorCodes.databaseCorrupt, 'registry.sqlite is not an LDAP Users database'));
  assert.deepEqual(corrupt.actions, ['openSettings', 'showLog']);
  assert.match(corrupt.message, /not changed.*ldapUsers\.databasePath/);
  const ro = describeError(err(ErrorCodes.databaseReadOnly, 'Another window holds the registry'));
  assert.equal(ro.severity, 'warning');
  assert.match(describeError(err(ErrorCodes.databaseWriteFailed, 'ENOSPC')).message, /Nothing was changed/);
});

test('input problems are warnings that keep the backend wording (it names the field)', () => {
  const m = describeError(err(ErrorCodes.invalidInput, 'baseDn: "dc=" is not a valid DN', { field: 'baseDn', realmId: 2 }));
  assert.equal(m.severity, 'warning');
  assert.equal(m.message, 'baseDn: "dc=" is not a valid DN.');
  assert.deepEqual(m.actions, ['editDirectory']);
  assert.match(describeError(err(ErrorCodes.invalidFilter, 'Unbalanced parenthesis')).message, /parentheses must balance/);
  assert.deepEqual(describeError(err(ErrorCodes.realmNotFound, 'No directory 9')).actions, ['refresh']);
});

test('a crashed or stopped backend points to the log; a failed one also to Restart Backend', () => {
  const crashed = describeError(new BackendUnavailableError('crashed', 'The LDAP Users backend was killed (SIGKILL) before it answered.'), 'Refresh');
  assert.deepEqual(crashed.actions, ['showLog']);
  assert.match(crashed.message, /^Refresh failed: The LDAP Users backend was killed/);
  assert.deepEqual(describeError(new BackendUnavailableError('failed', 'gave up')).actions, ['showLog', 'restartBackend']);
});

test('cancellation is quiet information; unknown errors keep their text and offer the log', () => {
  const cancelled = err(-32800, 'Request cancelled');
  assert.ok(isCancellation(cancelled));
  assert.equal(describeError(cancelled, 'Import users').severity, 'info');
  assert.match(describeError(cancelled, 'Import users').message, /cancelled; nothing was changed/);
  assert.deepEqual(describeError(new Error('boom')), { severity: 'error', message: 'boom', actions: ['showLog'] });
  assert.deepEqual(describeError(err(4242, 'odd')).actions, ['showLog']);
  assert.equal(isCancellation(new Error('x')), false);
});
