import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Entry } from 'ldapts';
import { isDisabled, EntryAttributes, mapEntry, requestedAttributes } from '../../server/ldap/entryMapping';
import { realmKindDefaults } from '../../protocol/realmKindDefaults';

const ad = { kind: 'activeDirectory' as const, attributes: realmKindDefaults('activeDirectory').attributes };
const openldap = { kind: 'openldap' as const, attributes: realmKindDefaults('openldap').attributes };
const guidBytes = Buffer.from('4ecec2f4081f5843abdcfe3f035af4cd', 'hex');

describe('entry mapping', () => {
  it('maps an AD entry: GUID text form, attribute names in any case, UAC bit 0x2', () => {
    const entry: Entry = {
      dn: 'CN=Jane Doe,OU=Staff,DC=example,DC=test',
      SAMACCOUNTNAME: 'jdoe',
      objectguid: guidBytes,
      displayName: 'Jane Doe',
      givenname: 'Jane',
      sn: 'Doe',
      mail: 'jane@example.test',
      department: 'Sales',
      title: ['Manager', 'Lead'],
      telephoneNumber: [],
      userAccountControl: '66050',
    };
    const m = mapEntry(entry, ad);
    assert.ok(m.ok);
    assert.deepEqual(m.entry, {
      dn: 'CN=Jane Doe,OU=Staff,DC=example,DC=test',
      uuid: 'f4c2ce4e-1f08-4358-abdc-fe3f035af4cd',
      username: 'jdoe',
      displayName: 'Jane Doe',
      givenName: 'Jane',
      surname: 'Doe',
      email: 'jane@example.test',
      department: 'Sales',
      title: 'Manager',
      phone: '',
      disabled: true,
    });
    assert.deepEqual(m.rawAttributes.objectguid, ['f4c2ce4e-1f08-4358-abdc-fe3f035af4cd']);
  });

  it('reads a GUID that ldapts decoded as text (valid UTF-8 bytes) through its bytes', () => {
    const ascii = Buffer.from('0123456789abcdef');
    const m = mapEntry({ dn: 'cn=x', sAMAccountName: 'x', objectGUID: ascii.toString('utf8') }, ad);
    assert.ok(m.ok);
    assert.equal(m.entry.uuid, '33323130-3534-3736-3839-616263646566');
  });

  it('reports entries without identity or username instead of mapping them', () => {
    const noUuid = mapEntry({ dn: 'uid=a,dc=x', uid: 'a' }, openldap);
    assert.equal(noUuid.ok, false);
    assert.match(!noUuid.ok ? noUuid.reason : '', /no entryUUID attribute/);
    const shortGuid = mapEntry({ dn: 'cn=a', sAMAccountName: 'a', objectGUID: Buffer.alloc(12, 0xff) }, ad);
    assert.match(!shortGuid.ok ? shortGuid.reason : '', /12 bytes long instead of 16/);
    const noName = mapEntry({ dn: 'uid=a,dc=x', entryUUID: '54B74B38-2E6B-103F-8B4E-8D1B6D1C6F0E' }, openldap);
    assert.match(!noName.ok ? noName.reason : '', /no uid attribute/);
  });

  it('stores UUIDs in lower case and keeps other values as the directory holds them', () => {
    const m = mapEntry({ dn: 'uid=s,dc=x', uid: 'spacey', entryUUID: '54B74B38-2E6B-103F-8B4E-8D1B6D1C6F0E', cn: '  Spacey  ' }, openldap);
    assert.ok(m.ok);
    assert.equal(m.entry.uuid, '54b74b38-2e6b-103f-8b4e-8d1b6d1c6f0e');
    assert.equal(m.entry.displayName, '  Spacey  ');
  });

  it('decides "disabled" from UAC bit 0x2 only (never == 514), nsAccountLock or a ppolicy lock', () => {
    const d = (attrs: Record<string, string>) => isDisabled(new EntryAttributes({ dn: 'x', ...attrs }));
    assert.equal(d({ userAccountControl: '512' }), false);
    assert.equal(d({ userAccountControl: '514' }), true);
    assert.equal(d({ userAccountControl: '66048' }), false);
    assert.equal(d({ userAccountControl: '66050' }), true);
    assert.equal(d({ userAccountControl: 'garbage' }), false);
    assert.equal(d({}), false);
    assert.equal(d({ nsAccountLock: 'TRUE' }), true);
    assert.equal(d({ pwdAccountLockedTime: '000001010000Z' }), true);
  });

  it('asks for binary attributes in every casing ldapts may need', () => {
    const wanted = requestedAttributes(ad);
    assert.ok(wanted.attributes.includes('objectGUID') && wanted.attributes.includes('userAccountControl'));
    for (const name of ['objectGUID', 'objectguid']) assert.ok(wanted.explicitBufferAttributes.includes(name));
    assert.equal(new Set(wanted.attributes.map((a) => a.toLowerCase())).size, wanted.attributes.length, 'no duplicates');
  });

  it('shows binary raw attributes as base64', () => {
    const m = mapEntry({ dn: 'uid=p', uid: 'p', entryUUID: 'x-1', jpegPhoto: Buffer.from([0xff, 0xd8, 0xff]) }, openldap);
    assert.ok(m.ok);
    assert.deepEqual(m.rawAttributes.jpegPhoto, ['base64:/9j/']);
  });
});
