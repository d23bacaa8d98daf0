// The directory editor's form model: kind presets equal the backend's defaults, switching kind
// keeps what the admin typed, security and URL scheme stay in step, plain LDAP needs the explicit
// opt-in, and the RealmInput sent to the host carries no password.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realmInputSchema } from '../../../protocol/webview';
import {
  applyKind,
  emptyForm,
  formFieldOf,
  kindPresets,
  realmInputOf,
  urlForSecurity,
  validateRealmForm,
  type RealmFormValues,
} from '../../../webview/realm/realmForm';

function filled(over: Partial<RealmFormValues> = {}): RealmFormValues {
  return { ...emptyForm('openldap'), name: 'Corp', url: 'ldaps://ldap.example.test:636', bindDn: 'cn=reader,dc=example,dc=test', baseDn: 'ou=people,dc=example,dc=test', ...over };
}

describe('directory editor form', () => {
  it('switching kind replaces defaults but keeps typed values', () => {
    const typed = filled();
    typed.attributes.email = 'corpMail';
    const ad = applyKind(typed, 'activeDirectory');
    assert.equal(ad.attributes.username, 'sAMAccountName');
    assert.equal(ad.attributes.uuid, 'objectGUID');
    assert.equal(ad.attributes.email, 'corpMail');
    assert.equal(ad.userFilter, '(&(objectCategory=person)(objectClass=user))');
    const custom = applyKind({ ...typed, userFilter: '(ou=staff)' }, 'activeDirectory');
    assert.equal(custom.userFilter, '(ou=staff)');
  });

  it('security choice and URL scheme follow each other', () => {
    assert.equal(urlForSecurity('ldaps://h.example:636', 'starttls'), 'ldap://h.example:389');
    assert.equal(urlForSecurity('ldap://h.example:389', 'ldaps'), 'ldaps://h.example:636');
    assert.equal(urlForSecurity('ldap://h.example:1389', 'ldaps'), 'ldaps://h.example:1389');
    assert.equal(urlForSecurity('h.example', 'none'), 'ldap://h.example');
  });

  it('plain LDAP needs the explicit insecure opt-in', () => {
    const plain = filled({ url: 'ldap://ldap.example.test', security: 'none' });
    assert.match(validateRealmForm(plain).allowInsecure ?? '', /clear text/);
    assert.equal(validateRealmForm({ ...plain, allowInsecure: true }).allowInsecure, undefined);
    const input = realmInputOf({ ...plain, allowInsecure: true });
    assert.equal(input.allowInsecure, true);
    assert.equal(input.startTls, false);
    // The opt-in never travels with a TLS configuration.
    assert.equal(realmInputOf({ ...filled(), allowInsecure: true }).allowInsecure, false);
  });

  it('inline validation names the fields', () => {
    const errors = validateRealmForm(
      filled({ name: '', url: 'http://x', bindDn: 'reader', baseDn: 'people', userFilter: '(uid=a', pageSize: '0', attributes: { ...kindPresets.openldap.attributes, email: 'mail address' } }),
    );
    assert.deepEqual(Object.keys(errors).sort(), ['attributes.email', 'baseDn', 'bindDn', 'name', 'pageSize', 'url', 'userFilter']);
    assert.deepEqual(validateRealmForm(filled()), {});
    assert.deepEqual(validateRealmForm(filled({ kind: 'activeDirectory', bindDn: 'EXAMPLE\\reader' })), {});
    assert.deepEqual(validateRealmForm(filled({ kind: 'activeDirectory', bindDn: 'reader@example.test' })), {});
  });

  it('the RealmInput passes the host schema and carries no password', () => {
    const input = realmInputOf(filled({ caCertPath: '/etc/ssl/ca.pem', tlsServerName: 'ldap.example.test' }), 4);
    assert.deepEqual(realmInputSchema.parse(input), input);
    assert.equal(input.id, 4);
    assert.equal(input.url, 'ldaps://ldap.example.test:636');
    assert.equal(input.pageSize, 500);
    assert.ok(!('password' in input));
  });

  it('error fields from the schema or the backend map to form controls', () => {
    assert.equal(formFieldOf('realm.url'), 'url');
    assert.equal(formFieldOf('bindDn'), 'bindDn');
    assert.equal(formFieldOf('startTls'), 'security');
    assert.equal(formFieldOf(undefined), undefined);
  });
});
