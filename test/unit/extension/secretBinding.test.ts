// Bind passwords are keyed by realm id and bound to the realm's url + bind DN: a realm whose url
// or DN changed never receives the old password (the stale secret is deleted). Runs against an
// in-memory store with the SecretStorage shape; the real SecretStorage is exercised by the e2e
// suite (test/e2e) through the Set Bind Password command.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BindPasswords, normalizeDn, normalizeUrl, sameBinding, secretKey, type SecretStore } from '../../../extension/secrets/bindPasswords';

function memoryStore() {
  const data = new Map<string, string>();
  const store: SecretStore = {
    get: async (k) => data.get(k),
    store: async (k, v) => void data.set(k, v),
    delete: async (k) => void data.delete(k),
  };
  return { data, store };
}

const target = { realmId: 1, url: 'ldaps://ldap.example.org:636', bindDn: 'cn=reader,dc=example,dc=org' };

test('a remembered password is stored under the realm id with its binding, and found again', async () => {
  const { data, store } = memoryStore();
  await new BindPasswords(store).save(target, 's3cret', true);
  assert.deepEqual(JSON.parse(data.get(secretKey(1))!), { url: target.url, bindDn: target.bindDn, password: 's3cret' });
  // A new window (fresh session memory) reads it from the store.
  assert.equal(await new BindPasswords(store).lookup(target), 's3cret');
});

test('a changed url never receives the old password, and the stale secret is deleted', async () => {
  const { data, store } = memoryStore();
  await new BindPasswords(store).save(target, 's3cret', true);
  const fresh = new BindPasswords(store);
  assert.equal(await fresh.lookup({ ...target, url: 'ldaps://evil.example.net:636' }), undefined);
  assert.equal(data.has(secretKey(1)), false);
  assert.equal(await fresh.lookup(target), undefined, 'gone for the old url too');
});

test('a changed bind DN never receives the old password (session copy included)', async () => {
  const { store } = memoryStore();
  const passwords = new BindPasswords(store);
  await passwords.save(target, 's3cret', true);
  assert.equal(await passwords.lookup({ ...target, bindDn: 'cn=admin,dc=example,dc=org' }), undefined);
});

test('another realm id does not see the password', async () => {
  const { store } = memoryStore();
  const passwords = new BindPasswords(store);
  await passwords.save(target, 's3cret', true);
  assert.equal(await passwords.lookup({ ...target, realmId: 2 }), undefined);
});

test('spelling differences of the same url and DN still match', () => {
  assert.ok(sameBinding(target, { url: 'LDAPS://LDAP.Example.org:636/', bindDn: 'CN=Reader, DC=example , DC=org' }));
  assert.equal(normalizeUrl('LDAP://Host:389/'), 'ldap://host:389');
  assert.equal(normalizeDn(' CN=A B , dc=X '), 'cn=a b,dc=x');
  assert.ok(!sameBinding(target, { url: 'ldap://ldap.example.org:636', bindDn: target.bindDn }), 'scheme matters');
  assert.ok(!sameBinding(target, { url: 'ldaps://ldap.example.org:637', bindDn: target.bindDn }), 'port matters');
});

test('not remembered: kept for this window only, nothing in the store', async () => {
  const { data, store } = memoryStore();
  const passwords = new BindPasswords(store);
  await passwords.save(target, 'once', false);
  assert.equal(data.size, 0);
  assert.equal(await passwords.lookup(target), 'once');
  assert.equal(await passwords.isRemembered(target), false);
  assert.equal(await new BindPasswords(store).lookup(target), undefined, 'a new window has to ask');
});

test('choosing "session only" later removes a remembered password from the store', async () => {
  const { data, store } = memoryStore();
  const passwords = new BindPasswords(store);
  await passwords.save(target, 'first', true);
  await passwords.save(target, 'second', false);
  assert.equal(data.size, 0);
  assert.equal(await passwords.lookup(target), 'second');
});

test('forget removes both copies; a damaged store entry counts as absent', async () => {
  const { data, store } = memoryStore();
  const passwords = new BindPasswords(store);
  await passwords.save(target, 's3cret', true);
  await passwords.forget(1);
  assert.equal(await passwords.lookup(target), undefined);
  data.set(secretKey(1), '{not json');
  assert.equal(await passwords.lookup(target), undefined);
  data.set(secretKey(1), JSON.stringify({ password: 'no binding' }));
  assert.equal(await passwords.lookup(target), undefined);
});
