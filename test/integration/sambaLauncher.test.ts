// The Samba AD DC launcher against the real DC it starts: TLS (LDAPS and StartTLS verified
// against our CA and the host name), strong-auth refusal of plain binds, AD bind errors, the
// seeded population over paged searches, objectGUID bytes vs Samba's own text form, disabled
// bits, rename/move identity, and restart back to the pristine state.
// Runs whenever Samba is installed; skipped only with LDAPUM_SKIP_SAMBA=1.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { Client, EqualityFilter, type Entry } from 'ldapts';
import { startSambaDc, type SambaHandle } from '../../scripts/directory/samba';
import {
  AD_AWKWARD_USERS, AD_PASSWORD_USERS, adBulkSam, adSeedUser, isDisabledUac,
} from '../../scripts/directory/adSeedUsers';

const SKIP = process.env.LDAPUM_SKIP_SAMBA === '1' ? 'LDAPUM_SKIP_SAMBA=1: the Samba AD DC suite is switched off' : false;
if (SKIP) console.log(`# sambaLauncher: skipped (${SKIP})`);

const PERSON_FILTER = '(&(objectCategory=person)(objectClass=user))';
const BUFFER_ATTRS = ['objectGUID', 'objectSid'];

/** Microsoft text form: first three groups little-endian. */
function guidText(b: Buffer): string {
  const h = b.toString('hex');
  const le = (s: string) => s.match(/../g)!.reverse().join('');
  return `${le(h.slice(0, 8))}-${le(h.slice(8, 12))}-${le(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function str(e: Entry, name: string): string {
  const v = e[name];
  const one = Array.isArray(v) ? v[0] : v;
  return Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

describe('Samba AD DC launcher', { skip: SKIP, timeout: 300_000 }, () => {
  let dc: SambaHandle;
  const clients: Client[] = [];

  function client(url: string, tls = true): Client {
    const c = new Client({ url, timeout: 20_000, connectTimeout: 5_000, tlsOptions: tls ? { ca: [dc.caCert] } : undefined });
    clients.push(c);
    return c;
  }
  async function reader(): Promise<Client> {
    const c = client(dc.ldapsUrl);
    await c.bind(dc.readerDn, dc.readerPassword);
    return c;
  }
  async function findBySam(c: Client, sam: string, attributes: string[] = ['*']): Promise<Entry | undefined> {
    const r = await c.search(dc.baseDn, {
      filter: `(&${PERSON_FILTER}(sAMAccountName=${sam}))`, attributes, explicitBufferAttributes: BUFFER_ATTRS,
    });
    return r.searchEntries[0];
  }

  before(async () => {
    dc = await startSambaDc({ log: (l) => console.log(`# ${l}`) });
    console.log(`# samba timings: ${JSON.stringify(dc.timings)}`);
  });
  after(async () => {
    for (const c of clients) await c.unbind().catch(() => {});
    await dc?.stop();
  });

  it('LDAPS: the reader binds with the CA verified and can read the domain (anonymous cannot)', async () => {
    const c = await reader();
    const self = await c.search(dc.readerDn, { scope: 'base', attributes: ['sAMAccountName'] });
    assert.equal(str(self.searchEntries[0], 'sAMAccountName'), dc.readerSam);
    const anon = client(dc.ldapsUrl);
    await assert.rejects(anon.search(dc.baseDn, { scope: 'base' }), (e: Error & { code?: number }) => e.code === 1);
    // the UPN form binds too
    const c2 = client(dc.ldapsUrl);
    await c2.bind(dc.readerUpn, dc.readerPassword);
  });

  it('LDAPS refuses a certificate that does not match the host name or is not from our CA', async () => {
    const wrongName = new Client({ url: dc.ldapsUrl, connectTimeout: 5_000, tlsOptions: { ca: [dc.caCert], servername: 'dc9.other.test' } });
    clients.push(wrongName);
    await assert.rejects(wrongName.bind(dc.readerDn, dc.readerPassword), (e: Error & { code?: string }) => {
      assert.match(`${e.code} ${e.message}`, /ALTNAME|does not match|altnames/i);
      return true;
    });
    const noCa = new Client({ url: dc.ldapsUrl, connectTimeout: 5_000 });
    clients.push(noCa);
    await assert.rejects(noCa.bind(dc.readerDn, dc.readerPassword), /self.signed|unable to (get|verify)|certificate/i);
  });

  it('StartTLS on the ldap:// port, then bind (CA and host name verified)', async () => {
    // ldapts' StartTLS would check the name "localhost" unless told which name to check
    const verifyAs = (name: string) => ({ ca: [dc.caCert], checkServerIdentity: (_h: string, cert: PeerCertificate) => checkServerIdentity(name, cert) });
    const wrong = client(dc.ldapUrl, false);
    await assert.rejects(wrong.startTLS(verifyAs('dc9.other.test')), /altnames|does not match|ALTNAME/i);
    const c = client(dc.ldapUrl, false);
    await c.startTLS(verifyAs(dc.host));
    await c.bind(dc.readerDn, dc.readerPassword);
    const e = await findBySam(c, 'user00001', ['sAMAccountName']);
    assert.equal(e && str(e, 'sAMAccountName'), 'user00001');
  });

  it('a plain simple bind without TLS is refused with strongAuthRequired (8)', async () => {
    const c = client(dc.ldapUrl, false);
    await assert.rejects(c.bind(dc.readerDn, dc.readerPassword), (e: Error & { code?: number }) => {
      assert.equal(e.code, 8, e.message);
      return true;
    });
  });

  it('AD bind errors: a password user binds, a disabled one and a wrong password do not', async () => {
    const enabled = AD_PASSWORD_USERS.find((u) => !isDisabledUac(u.userAccountControl))!;
    const disabled = AD_PASSWORD_USERS.find((u) => isDisabledUac(u.userAccountControl))!;
    const ok = client(dc.ldapsUrl);
    await ok.bind(enabled.dn, dc.userPassword);
    const off = client(dc.ldapsUrl);
    await assert.rejects(off.bind(disabled.dn, dc.userPassword), (e: Error & { code?: number }) => {
      assert.equal(e.code, 49);
      assert.match(e.message, /data 533/); // ERROR_ACCOUNT_DISABLED
      return true;
    });
    const bad = client(dc.ldapsUrl);
    await assert.rejects(bad.bind(enabled.dn, 'not-the-password'), (e: Error & { code?: number }) => {
      assert.equal(e.code, 49);
      assert.match(e.message, /data 52e/);
      return true;
    });
  });

  it('a paged person search returns every seeded user with its attributes', async () => {
    const c = await reader();
    const attributes = ['sAMAccountName', 'givenName', 'sn', 'displayName', 'mail', 'department', 'title',
      'telephoneNumber', 'userAccountControl', 'userPrincipalName', 'objectGUID'];
    const seen = new Map<string, Entry>();
    let pages = 0;
    for await (const page of c.searchPaginated(dc.usersOu, {
      filter: PERSON_FILTER, attributes, explicitBufferAttributes: BUFFER_ATTRS, paged: { pageSize: 500 },
    })) {
      pages++;
      for (const e of page.searchEntries) seen.set(str(e, 'sAMAccountName'), e);
    }
    assert.ok(pages >= 5, `expected ≥ 5 pages of 500, got ${pages}`);
    assert.equal(seen.size, dc.staffUserCount);
    assert.ok(dc.staffUserCount > 2000);
    for (const i of [1, 42, 50, 100, 1234, dc.bulkUsers]) {
      const want = adSeedUser(i);
      const got = seen.get(adBulkSam(i));
      assert.ok(got, `user ${adBulkSam(i)} missing`);
      for (const a of ['givenName', 'sn', 'displayName', 'mail', 'department', 'title', 'telephoneNumber', 'userPrincipalName'] as const) {
        assert.equal(str(got, a), want[a], `${adBulkSam(i)}.${a}`);
      }
      assert.equal(Number(str(got, 'userAccountControl')), want.userAccountControl);
    }
    // non-ASCII values and a CN that needs escaping come back intact
    const sob = seen.get('sobrien')!;
    assert.equal(sob.dn, `CN=O'Brien\\, Seán,${dc.usersOu}`);
    assert.equal(str(seen.get('zmuller')!, 'displayName'), 'Zoë Müller-Łukasik (ミュラー)');
    for (const u of AD_AWKWARD_USERS) assert.ok(seen.has(u.sAMAccountName), u.sAMAccountName);

    // from the domain root: users in every OU, plus continuation references that must not be chased
    const root = await c.search(dc.baseDn, { filter: `(&${PERSON_FILTER}(sAMAccountName=${dc.readerSam}))`, attributes: ['dn'], paged: { pageSize: 500 } });
    assert.equal(root.searchEntries[0]?.dn, dc.readerDn);
    assert.ok(root.searchReferences.length > 0, 'Samba returns referrals (CN=Configuration) from the domain root');
  });

  it('objectGUID is 16 raw bytes whose Microsoft text form is what ldbsearch and samba-tool print', async () => {
    const c = await reader();
    for (const sam of ['user00042', 'sobrien']) {
      const e = (await findBySam(c, sam, ['objectGUID']))!;
      const g = e.objectGUID;
      assert.ok(Buffer.isBuffer(g), 'objectGUID must be a Buffer');
      assert.equal(g.length, 16);
      assert.equal(guidText(g), await dc.guidOf(sam, 'ldbsearch'));
      assert.equal(guidText(g), await dc.guidOf(sam, 'samba-tool'));
      // equality filter on the raw bytes finds the same entry
      const byGuid = await c.search(dc.baseDn, { filter: new EqualityFilter({ attribute: 'objectGUID', value: g }), attributes: ['sAMAccountName'] });
      assert.equal(byGuid.searchEntries.length, 1);
      assert.equal(str(byGuid.searchEntries[0], 'sAMAccountName'), sam);
    }
    // the seeded GUID whose bytes are ASCII text: a Buffer only because of explicitBufferAttributes
    const ascii = (await findBySam(c, 'asciiguid', ['objectGUID']))!;
    assert.ok(Buffer.isBuffer(ascii.objectGUID));
    assert.equal((ascii.objectGUID as Buffer).toString('latin1'), '0123456789abcdef');
    assert.equal(guidText(ascii.objectGUID as Buffer), AD_AWKWARD_USERS.find((u) => u.sAMAccountName === 'asciiguid')!.objectGUID);
    const r = await c.search(dc.baseDn, { filter: '(sAMAccountName=asciiguid)', attributes: ['objectGUID'] });
    assert.equal(typeof r.searchEntries[0].objectGUID, 'string', 'without explicitBufferAttributes ldapts decodes it as text');
  });

  it('disabled users have bit 0x2 set, with more than one userAccountControl value', async () => {
    const c = await reader();
    const r = await c.search(dc.usersOu, {
      filter: `(&${PERSON_FILTER}(userAccountControl:1.2.840.113556.1.4.803:=2))`,
      attributes: ['sAMAccountName', 'userAccountControl'], paged: { pageSize: 500 },
    });
    const got = new Map(r.searchEntries.map((e) => [str(e, 'sAMAccountName'), Number(str(e, 'userAccountControl'))]));
    const want = new Set<string>(AD_PASSWORD_USERS.filter((u) => isDisabledUac(u.userAccountControl)).map((u) => u.sAMAccountName));
    for (let i = 1; i <= dc.bulkUsers; i++) if (isDisabledUac(adSeedUser(i).userAccountControl)) want.add(adBulkSam(i));
    assert.deepEqual([...got.keys()].sort(), [...want].sort());
    assert.ok([...got.values()].includes(514) && [...got.values()].includes(66050), `values: ${[...new Set(got.values())]}`);
    for (const v of got.values()) assert.ok((v & 2) === 2);
  });

  it('samba-tool disable/enable and ldapModify show up over LDAP', async () => {
    const c = await reader();
    await dc.disableUser('user00011');
    assert.ok(isDisabledUac(await dc.userAccountControlOf('user00011')));
    assert.ok(isDisabledUac(Number(str((await findBySam(c, 'user00011', ['userAccountControl']))!, 'userAccountControl'))));
    await dc.enableUser('user00011');
    assert.ok(!isDisabledUac(Number(str((await findBySam(c, 'user00011', ['userAccountControl']))!, 'userAccountControl'))));
    await dc.ldapModify(`dn: ${adSeedUser(12).dn}\nchangetype: modify\nreplace: title\ntitle: Chief Tester\n-\n\n`);
    assert.equal(str((await findBySam(c, 'user00012', ['title']))!, 'title'), 'Chief Tester');
  });

  it('rename and move keep the objectGUID', async () => {
    const c = await reader();
    const before = (await findBySam(c, 'user00007', ['objectGUID']))!.objectGUID as Buffer;
    await dc.renameUser('user00007', { samAccountName: 'renamed00007', cn: 'Renamed Seven', upn: `renamed00007@${dc.dnsDomain}` });
    await dc.moveUser('renamed00007', dc.formerStaffOu);
    assert.equal(await findBySam(c, 'user00007'), undefined);
    const r = await c.search(dc.baseDn, {
      filter: new EqualityFilter({ attribute: 'objectGUID', value: before }), attributes: ['sAMAccountName', 'objectGUID'],
      explicitBufferAttributes: BUFFER_ATTRS,
    });
    assert.equal(r.searchEntries.length, 1);
    assert.equal(r.searchEntries[0].dn, `CN=Renamed Seven,${dc.formerStaffOu}`);
    assert.equal(str(r.searchEntries[0], 'sAMAccountName'), 'renamed00007');
    assert.equal(await dc.guidOf('renamed00007'), guidText(before));
  });

  it('restart goes back to the pristine seeded state on the same address', async () => {
    const c0 = await reader();
    const guid7 = (await findBySam(c0, 'renamed00007', ['objectGUID']))!.objectGUID as Buffer;
    const oldPid = dc.pid;
    await dc.restart();
    assert.notEqual(dc.pid, oldPid);
    const c = await reader();
    const back = (await findBySam(c, 'user00007', ['objectGUID']))!;
    assert.equal(back.dn, adSeedUser(7).dn);
    assert.deepEqual(back.objectGUID, guid7, 'the pristine copy holds the same GUIDs');
    assert.equal(await findBySam(c, 'renamed00007'), undefined);
    assert.equal(str((await findBySam(c, 'user00012', ['title']))!, 'title'), adSeedUser(12).title);
  });

  it('stop ends the DC and removes its directory', async () => {
    const pid = dc.pid;
    const dir = dc.dir;
    await dc.stop();
    assert.throws(() => process.kill(pid, 0), /ESRCH/);
    assert.equal(existsSync(dir), false);
  });
});
