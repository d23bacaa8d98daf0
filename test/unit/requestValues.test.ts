// Param validation: wrong types, missing fields, oversized values and positional params are
// refused with 1002 and `data.field` naming the field, including nested and list fields.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import { asInteger, asObject, RequestValues } from '../../server/requestValues';

function refuses(fn: () => unknown, field: string, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ResponseError);
    assert.equal(error.code, ErrorCodes.invalidInput);
    assert.equal((error.data as { field: string }).field, field);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('params must be one object', () => {
  refuses(() => RequestValues.of([1, 2]), 'params', /named fields/);
  refuses(() => RequestValues.of('x'), 'params');
  assert.deepEqual(RequestValues.of(undefined).values, {});
});

test('typed readers accept good values and name the refused field', () => {
  const params = RequestValues.of({
    realmId: 3,
    query: 'smith',
    dryRun: true,
    mode: 'keyword',
    realm: { url: 'ldap://x', attributes: { uuid: 5 } },
    userIds: [1, 2, 0],
    entries: [{ uuid: 'a' }, { uuid: 7 }],
  });
  assert.equal(params.integer('realmId', { min: 1 }), 3);
  assert.equal(params.string('query', { nonEmpty: true }), 'smith');
  assert.equal(params.optionalBoolean('dryRun'), true);
  assert.equal(params.optionalBoolean('missing'), undefined);
  assert.equal(params.oneOf('mode', ['auto', 'keyword'] as const), 'keyword');
  assert.equal(params.object('realm').string('url'), 'ldap://x');
  refuses(() => params.object('realm').object('attributes').string('uuid'), 'realm.attributes.uuid', /must be text/);
  refuses(() => params.idArray('userIds', { maxLength: 10 }), 'userIds[2]', /at least 1/);
  refuses(() => params.idArray('userIds', { maxLength: 2 }), 'userIds', /too many/);
  refuses(
    () => params.array('entries', { maxLength: 10 }, (value, field) => asObject(value, field).string('uuid')),
    'entries[1].uuid',
  );
  refuses(() => params.integer('absent'), 'absent', /required/);
  refuses(() => params.oneOf('query', ['a', 'b']), 'query', /one of 'a', 'b'/);
  refuses(() => params.string('realmId'), 'realmId');
  refuses(() => RequestValues.of({ q: 'x'.repeat(10) }).string('q', { maxLength: 5 }), 'q', /too long/);
  refuses(() => RequestValues.of({ q: ' \t' }).string('q', { nonEmpty: true }), 'q', /empty/);
  refuses(() => asInteger(1.5, 'n'), 'n', /whole number/);
  refuses(() => asInteger(Number.MAX_SAFE_INTEGER + 2, 'n'), 'n');
  refuses(() => RequestValues.of({ realmID: 1 }).onlyKnown('realmId'), 'realmID', /not a known field/);
});
