import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from 'vscode-jsonrpc';
import { validateRealmInput } from '../../server/realms/realmInput';
import { distinguishedNameProblem } from '../../server/ldap/distinguishedName';

const base = { name: 'R', kind: 'openldap', url: 'ldaps://dir.example.org', bindDn: 'cn=reader,dc=example,dc=org', baseDn: 'dc=example,dc=org' };

function field(raw: unknown, options?: Parameters<typeof validateRealmInput>[1]): string | undefined {
  try {
    validateRealmInput(raw, options);
  } catch (err) {
    assert.ok(err instanceof ResponseError);
    return (err.data as { field?: string }).field;
  }
  return undefined;
}

describe('realm input validation', () => {
  it('fills the defaults of each kind', () => {
    const r = validateRealmInput(base);
    assert.equal(r.attributes.username, 'uid');
    assert.equal(r.userFilter, '(objectClass=inetOrgPerson)');
    assert.deepEqual([r.pageSize, r.connectTimeoutMs, r.timeoutMs, r.scope], [500, 10000, 30000, 'sub']);
    const ad = validateRealmInput({ ...base, kind: 'activeDirectory', bindDn: 'reader@example.org' });
    assert.equal(ad.attributes.uuid, 'objectGUID');
    assert.equal(ad.userFilter, '(&(objectCategory=person)(objectClass=user))');
    assert.equal(validateRealmInput({ ...base, kind: 'activeDirectory', bindDn: 'EXAMPLE\\reader' }).bindDn, 'EXAMPLE\\reader');
    assert.equal(validateRealmInput({ ...base, kind: 'generic' }).attributes.uuid, 'entryUUID');
  });

  it('names the refused field, with a prefix when asked', () => {
    assert.equal(field({ ...base, url: 'ldap:///' }), 'url');
    assert.equal(field({ ...base, url: 'ldap:///' }, { fieldPrefix: 'realm.' }), 'realm.url');
    assert.equal(field({ ...base, bindDn: 'reader@example.org' }), 'bindDn', 'a UPN is only a bind DN on AD');
    assert.equal(field({ ...base, userFilter: '(' }), 'userFilter');
    assert.equal(field(null), 'realm');
    assert.equal(field({ ...base, bindPassword: 'x' }), 'bindPassword');
  });

  it('checks DN syntax (RFC 4514) without building DNs', () => {
    for (const ok of ['dc=example,dc=org', 'cn=Doe\\, John (contractor),ou=People,dc=x', 'cn=Doe\\2C John,dc=x', 'OU=Staff, DC=example, DC=test', 'cn=a+sn=b,dc=x', '1.2.3.4=x,dc=y', 'cn="quoted, value",dc=x', 'cn=#04024869,dc=x']) {
      assert.equal(distinguishedNameProblem(ok), undefined, ok);
    }
    for (const bad of ['', 'example.org', 'dc=x,', 'cn=a\\', '=x', 'cn=a<b,dc=x', 'cn="open,dc=x', 'cn=a\\zq,dc=x', 'c n=a', 'cn=a\0']) {
      assert.notEqual(distinguishedNameProblem(bad), undefined, JSON.stringify(bad));
    }
  });
});
