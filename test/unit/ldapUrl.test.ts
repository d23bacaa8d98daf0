import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LdapUrlError, parseLdapUrl } from '../../server/ldap/ldapUrl';

describe('parseLdapUrl', () => {
  it('accepts ldap and ldaps with default and explicit ports', () => {
    assert.deepEqual(parseLdapUrl('ldap://dir.example.org'), {
      scheme: 'ldap', host: 'dir.example.org', port: 389, isIpAddress: false, url: 'ldap://dir.example.org',
    });
    assert.deepEqual(parseLdapUrl('  LDAPS://Dir.Example.ORG:1636/ '), {
      scheme: 'ldaps', host: 'dir.example.org', port: 1636, isIpAddress: false, url: 'ldaps://dir.example.org:1636',
    });
    assert.equal(parseLdapUrl('ldap://127.0.0.1:389').isIpAddress, true);
    const v6 = parseLdapUrl('ldaps://[::1]:636');
    assert.equal(v6.host, '::1');
    assert.equal(v6.url, 'ldaps://[::1]:636');
    assert.equal(v6.port, 636);
  });

  const refused: [string, RegExp][] = [
    ['', /empty/],
    ['   ', /empty/],
    ['ldap:///', /no host name/],
    ['ldap://', /no host name/],
    ['ldap://:389', /no host name/],
    ['http://dir.example.org', /scheme "http:" is not supported/],
    ['ldapi://%2fvar%2frun', /scheme "ldapi:" is not supported/],
    ['dir.example.org:389', /not a directory URL/],
    ['ldap://admin:secret@dir.example.org', /must not contain a user name or password/],
    ['ldap://dir.example.org/dc=example,dc=org', /must not contain a path/],
    ['ldap://dir.example.org?uid', /must not contain a path, query/],
    ['ldap://dir.example.org#x', /must not contain a path, query/],
    ['ldap://dir.example.org:0', /port "0" is not valid/],
    ['ldap://dir.example.org:70000', /port "70000" is not valid/],
    ['ldap://dir.example.org:-1', /port "-1" is not valid/],
    ['ldap://dir.example.org:', /port "" is not valid/],
    ['ldap://dir example.org', /spaces or control characters/],
    ['ldap://dir\0.org', /spaces or control characters/],
    ['ldap://bad_host!', /not a valid host name/],
    ['ldap://[::1', /no closing bracket/],
    ['ldap://[zz::1]:389', /not a valid IPv6/],
  ];
  for (const [url, message] of refused) {
    it(`refuses ${JSON.stringify(url)} with a reason`, () => {
      assert.throws(() => parseLdapUrl(url), (err: unknown) => err instanceof LdapUrlError && message.test(err.message));
    });
  }

  it('never echoes a password from userinfo in its message', () => {
    assert.throws(() => parseLdapUrl('ldap://admin:S3cr3tPw@dir.example.org'), (err: Error) => !err.message.includes('S3cr3tPw'));
  });
});
