// Issue 2 acceptance 4: realm/save validates url, DNs and filter with admin-readable refusals
// (1002/1003 naming the field), fills in each kind's defaults, and never lets a password reach
// the database file — checked on the file's bytes after the password was used for real binds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import type { RealmInput } from '../../protocol/model';
import { RealmDelete, RealmList, RealmSave, RealmSearch, RealmTest, StoreDidChange } from '../../protocol/rpc';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { startBackend, type BackendHandle } from '../support/backendClient';

let slapd: SlapdHandle;
let backend: BackendHandle;

function input(overrides: Partial<RealmInput> & Record<string, unknown> = {}): RealmInput {
  return {
    name: 'Corporate LDAP',
    kind: 'openldap',
    url: slapd.ldapsUrl,
    caCertPath: slapd.caCertPath,
    bindDn: slapd.readerDn,
    baseDn: slapd.baseDn,
    ...overrides,
  } as RealmInput;
}

function refused(code: number, field: string, pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof ResponseError, `expected a ResponseError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal((err.data as ErrorData | undefined)?.field, field, err.message);
    assert.match(err.message, pattern);
    return true;
  };
}

before(async () => {
  slapd = await startSlapd({ users: 50 });
  backend = await startBackend({ secrets: (p) => (p.bindDn === slapd.readerDn ? slapd.readerPassword : null) });
});
after(async () => {
  await backend?.stop();
  await slapd?.stop();
});

describe('realm/save', () => {
  test('refuses bad URLs with a sentence naming the field', async () => {
    const cases: [string, RegExp][] = [
      ['', /URL is empty/],
      ['ldap:///', /no host name/],
      ['http://127.0.0.1:389', /only ldap:\/\/ and ldaps:\/\//],
      ['ldap://admin:pw@127.0.0.1', /must not contain a user name or password/],
      ['ldap://127.0.0.1/dc=example,dc=test', /enter the base DN and the user filter in their own fields/],
      ['ldap://127.0.0.1:0', /port "0" is not valid/],
      ['ldap://127.0.0.1:70000', /1 to 65535/],
    ];
    for (const [url, pattern] of cases) {
      await assert.rejects(backend.request(RealmSave, { realm: input({ url }) }), refused(ErrorCodes.invalidInput, 'realm.url', pattern), url);
    }
  });

  test('refuses an empty or malformed base DN, bind DN, and unparsable filters', async () => {
    await assert.rejects(backend.request(RealmSave, { realm: input({ baseDn: '' }) }), refused(ErrorCodes.invalidInput, 'realm.baseDn', /Enter the base DN/));
    await assert.rejects(backend.request(RealmSave, { realm: input({ baseDn: '   ' }) }), refused(ErrorCodes.invalidInput, 'realm.baseDn', /Enter the base DN/));
    await assert.rejects(backend.request(RealmSave, { realm: input({ baseDn: 'example.test' }) }), refused(ErrorCodes.invalidInput, 'realm.baseDn', /not a valid DN.*name=value/));
    await assert.rejects(backend.request(RealmSave, { realm: input({ bindDn: '' }) }), refused(ErrorCodes.invalidInput, 'realm.bindDn', /bind DN/));
    await assert.rejects(backend.request(RealmSave, { realm: input({ bindDn: 'EXTERNAL' }) }), refused(ErrorCodes.invalidInput, 'realm.bindDn', /not a valid DN/));
    await assert.rejects(
      backend.request(RealmSave, { realm: input({ userFilter: '(&(objectClass=person)' }) }),
      refused(ErrorCodes.invalidFilter, 'realm.userFilter', /user filter has 1 unclosed parenthesis/),
    );
    await assert.rejects(
      backend.request(RealmSave, { realm: input({ userFilter: '(objectClass=person))(uid=*' }) }),
      refused(ErrorCodes.invalidFilter, 'realm.userFilter', /user filter/),
    );
    await assert.rejects(
      backend.request(RealmSave, { realm: input({ userFilter: '(cn=a\\zz)' }) }),
      refused(ErrorCodes.invalidFilter, 'realm.userFilter', /not a valid LDAP filter/),
    );
  });

  test('refuses other bad settings, each naming its field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: '' }, 'realm.name', /Give the realm a name/],
      [{ kind: 'novell' }, 'realm.kind', /openldap, activeDirectory, generic/],
      [{ startTls: true }, 'realm.startTls', /StartTLS only applies to ldap:\/\//],
      [{ caCertPath: '/nonexistent/ca.pem' }, 'realm.caCertPath', /does not exist/],
      [{ caCertPath: 'relative/ca.pem' }, 'realm.caCertPath', /absolute path/],
      [{ tlsServerName: 'not a host' }, 'realm.tlsServerName', /not a host name/],
      [{ pageSize: 0 }, 'realm.pageSize', /1 to 5000/],
      [{ timeoutMs: 'soon' }, 'realm.timeoutMs', /whole number/],
      [{ scope: 'base' }, 'realm.scope', /"sub".*"one"/],
      [{ attributes: { username: 'u id' } }, 'realm.attributes.username', /not an LDAP attribute name/],
      [{ attributes: { nickname: 'cn' } }, 'realm.attributes.nickname', /not a field of the attribute map/],
      [{ password: 'secret' }, 'realm.password', /never holds a password/],
    ];
    for (const [overrides, field, pattern] of cases) {
      await assert.rejects(backend.request(RealmSave, { realm: input(overrides) }), refused(ErrorCodes.invalidInput, field, pattern), JSON.stringify(overrides));
    }
    assert.deepEqual(await backend.request(RealmList, {}), [], 'nothing was saved');
  });

  test('creates with every default of its kind, updates, lists, and announces the change', async () => {
    const ldap = await backend.request(RealmSave, { realm: input() });
    assert.ok(ldap.id > 0);
    assert.equal(ldap.url, slapd.ldapsUrl);
    assert.deepEqual(ldap.attributes, {
      username: 'uid', uuid: 'entryUUID', displayName: 'cn', givenName: 'givenName', surname: 'sn',
      email: 'mail', department: 'departmentNumber', title: 'title', phone: 'telephoneNumber',
    });
    assert.equal(ldap.userFilter, '(objectClass=inetOrgPerson)');
    assert.deepEqual([ldap.scope, ldap.startTls, ldap.allowInsecure, ldap.enabled, ldap.pageSize], ['sub', false, false, true, 500]);
    assert.ok(ldap.createdAt && ldap.updatedAt);
    await backend.waitForNotification(StoreDidChange, (c) => c.realmIds?.includes(ldap.id) ?? false, 5000);

    const ad = await backend.request(RealmSave, {
      realm: { name: 'Corporate AD', kind: 'activeDirectory', url: 'ldaps://dc1.example.test', bindDn: 'EXAMPLE\\reader', baseDn: 'DC=example,DC=test', attributes: { email: 'userPrincipalName' } },
    });
    assert.equal(ad.attributes.username, 'sAMAccountName');
    assert.equal(ad.attributes.uuid, 'objectGUID');
    assert.equal(ad.attributes.email, 'userPrincipalName');
    assert.equal(ad.userFilter, '(&(objectCategory=person)(objectClass=user))');

    await assert.rejects(backend.request(RealmSave, { realm: input({ name: 'corporate ad' }) }), refused(ErrorCodes.invalidInput, 'realm.name', /already exists/));

    const renamed = await backend.request(RealmSave, { realm: input({ id: ldap.id, name: 'Corporate LDAP (TLS)', pageSize: 250 }) });
    assert.equal(renamed.id, ldap.id);
    assert.equal(renamed.pageSize, 250);
    assert.equal(renamed.createdAt, ldap.createdAt);
    const names = (await backend.request(RealmList, {})).map((r) => r.name);
    assert.deepEqual(names, ['Corporate AD', 'Corporate LDAP (TLS)']);

    await assert.rejects(backend.request(RealmSave, { realm: input({ id: 4242 }) }), (err: ResponseError<unknown>) => err.code === ErrorCodes.realmNotFound);
    const removed = await backend.request(RealmDelete, { realmId: ad.id, users: 'keep' });
    assert.deepEqual(removed, { affectedUsers: 0 });
    assert.deepEqual((await backend.request(RealmList, {})).map((r) => r.id), [ldap.id]);
    await assert.rejects(backend.request(RealmDelete, { realmId: ad.id, users: 'keep' }), (err: ResponseError<unknown>) => err.code === ErrorCodes.realmNotFound);
  });

  test('passwords never reach the database file, although they were used to bind', async () => {
    const realm = (await backend.request(RealmList, {}))[0];
    const tested = await backend.request(RealmTest, { realmId: realm.id });
    assert.equal(tested.ok, true, JSON.stringify(tested.steps));
    const found = await backend.request(RealmSearch, { realmId: realm.id, query: '*' });
    assert.ok(found.entries.length > 50);
    // An unsaved realm tested with an explicit password.
    const unsaved = await backend.request(RealmTest, { realm: input({ name: 'Draft' }), password: slapd.readerPassword });
    assert.equal(unsaved.ok, true, JSON.stringify(unsaved.steps));
    // The backend asked for the password bound to the realm's url and bind DN.
    assert.ok(backend.secretRequests.some((r) => r.realmId === realm.id && r.url === realm.url && r.bindDn === realm.bindDn));

    await backend.stop();
    const bytes = readFileSync(backend.databasePath);
    assert.ok(bytes.length > 0);
    for (const encoding of ['utf8', 'utf16le'] as const) {
      assert.equal(bytes.indexOf(Buffer.from(slapd.readerPassword, encoding)), -1, `password (${encoding}) in the database file`);
    }
    assert.equal(bytes.indexOf(Buffer.from(slapd.readerPassword).toString('base64')), -1);
    assert.ok(!backend.stderr().includes(slapd.readerPassword), 'password in the backend log');
    backend = await startBackend({ databasePath: backend.databasePath });
    assert.equal((await backend.request(RealmList, {}))[0].name, realm.name, 'the realm itself was saved');
  });
});
