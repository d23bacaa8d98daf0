// The throwaway OpenLDAP launcher is what every directory test stands on, so prove it: the server
// holds exactly the seed, limits and ACLs behave like a real directory, TLS verifies only against
// our CA, and slapd never outlives whoever started it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Client, EqualityFilter, SizeLimitExceededError, type Entry } from 'ldapts';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';
import { AWKWARD_JPEG, type SeedUser } from '../../scripts/directory/seedUsers';
import { makeExpiredCert, makeImpostorCert, makeLookalikeCaCert, makeTestPki } from '../../scripts/directory/pki';

const USERS = 2000;
const repoRoot = join(__dirname, '..', '..');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process whose parent died may linger as a zombie until PID 1 reaps it: that is gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntil(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function client(url: string, extra: { ca?: Buffer; servername?: string; timeout?: number } = {}): Client {
  return new Client({
    url,
    connectTimeout: extra.timeout ?? 3000,
    timeout: extra.timeout ?? 10_000,
    tlsOptions: extra.ca || extra.servername ? { ca: extra.ca ? [extra.ca] : undefined, servername: extra.servername } : undefined,
  });
}

async function withClient<T>(c: Client, fn: (c: Client) => Promise<T>): Promise<T> {
  try {
    return await fn(c);
  } finally {
    await c.unbind().catch(() => {});
  }
}

const PERSON_ATTRS = ['uid', 'cn', 'givenName', 'sn', 'mail', 'departmentNumber', 'title', 'telephoneNumber', 'employeeNumber', 'description'] as const;

/** What an ldapts entry must look like for a seed user (single-valued strings, absent when unset). */
function assertMatchesSeed(entry: Entry, u: SeedUser): void {
  assert.equal(entry.dn, u.dn);
  for (const a of PERSON_ATTRS) {
    const expected = u[a];
    // ldapts gives [] for a requested attribute the entry does not have.
    if (expected == null) assert.deepEqual(entry[a] ?? [], [], `${u.uid}: ${a} should be absent`);
    else assert.equal(entry[a], expected, `${u.uid}: ${a}`);
  }
}

describe('slapd launcher', () => {
  let s: SlapdHandle;
  let ca: Buffer;
  let startMs = 0;

  before(async () => {
    const t0 = Date.now();
    s = await startSlapd({ users: USERS });
    startMs = Date.now() - t0;
    ca = readFileSync(s.caCertPath);
  });
  after(async () => {
    await s?.stop();
  });

  test('starts quickly on 127.0.0.1 with distinct random ports', () => {
    console.log(`# startSlapd(${USERS} users) took ${startMs} ms`);
    assert.ok(startMs < 10_000, `start took ${startMs} ms`);
    assert.equal(s.host, '127.0.0.1');
    assert.notEqual(s.ldapPort, s.ldapsPort);
    assert.equal(s.ldapUrl, `ldap://127.0.0.1:${s.ldapPort}`);
    assert.equal(s.ldapsUrl, `ldaps://127.0.0.1:${s.ldapsPort}`);
    assert.equal(s.users.length, USERS + Object.keys(s.awkward).length);
  });

  test('the server holds exactly the seed', async () => {
    const entries = await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.adminDn, s.adminPassword);
      const r = await c.search(s.peopleDn, {
        scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: [...PERSON_ATTRS], paged: { pageSize: 1000 },
      });
      return r.searchEntries;
    });
    assert.equal(entries.length, s.users.length);
    const byDn = new Map(entries.map((e) => [e.dn, e]));
    assert.equal(byDn.size, s.users.length, 'DNs are unique');
    for (const u of s.users) {
      const e = byDn.get(u.dn);
      assert.ok(e, `missing ${u.dn}`);
      assertMatchesSeed(e, u);
    }
    assert.ok(s.users.some((u) => u.disabled && u.ou === 'Disabled' && u.description), 'has disabled-looking users');
  });

  test('the reader is size-limited without paging and reads everything with paging', async () => {
    await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.readerDn, s.readerPassword);
      await assert.rejects(
        c.search(s.peopleDn, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] }),
        (e: unknown) => e instanceof SizeLimitExceededError && e.code === 4,
      );
      let pages = 0;
      let n = 0;
      for await (const page of c.searchPaginated(s.peopleDn, {
        scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'], paged: { pageSize: 400 },
      })) {
        pages++;
        n += page.searchEntries.length;
      }
      assert.equal(n, s.users.length);
      assert.ok(pages >= Math.ceil(s.users.length / 400));
      // The reader never sees passwords.
      const r = await c.search(s.peopleDn, { filter: '(uid=zoe.muller)', attributes: ['userPassword', 'cn'] });
      assert.equal(r.searchEntries.length, 1);
      assert.deepEqual(r.searchEntries[0].userPassword ?? [], []);
    });
    // The rootdn is not limited.
    await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.adminDn, s.adminPassword);
      const r = await c.search(s.peopleDn, { scope: 'sub', filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] });
      assert.equal(r.searchEntries.length, s.users.length);
    });
  });

  test('every entry has its own entryUUID', async () => {
    const entries = await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.readerDn, s.readerPassword);
      const r = await c.search(s.baseDn, { scope: 'sub', filter: '(objectClass=*)', attributes: ['entryUUID'], paged: { pageSize: 1000 } });
      return r.searchEntries;
    });
    assert.ok(entries.length > s.users.length);
    const uuids = new Set<string>();
    for (const e of entries) {
      assert.match(String(e.entryUUID), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, e.dn);
      uuids.add(String(e.entryUUID));
    }
    assert.equal(uuids.size, entries.length);
  });

  test('awkward users are found by exact cn with their values intact', async () => {
    await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.readerDn, s.readerPassword);
      for (const [key, u] of Object.entries(s.awkward)) {
        const r = await c.search(s.peopleDn, {
          scope: 'sub', filter: new EqualityFilter({ attribute: 'cn', value: u.cn }),
          attributes: [...PERSON_ATTRS, 'jpegPhoto'], explicitBufferAttributes: ['jpegPhoto'],
        });
        assert.equal(r.searchEntries.length, 1, `${key}: cn=${JSON.stringify(u.cn)}`);
        const e = r.searchEntries[0];
        assertMatchesSeed(e, u);
        if (u.jpegPhoto) assert.ok(Buffer.isBuffer(e.jpegPhoto) && e.jpegPhoto.equals(AWKWARD_JPEG), 'jpegPhoto bytes');
        else assert.deepEqual(e.jpegPhoto ?? [], []);
      }
    });
    assert.equal(s.awkward.spaces.cn, '  Spacey McSpaceface  ');
    assert.equal(s.awkward.contractor.dn, `cn=Doe\\2C John (contractor),ou=Contractors,${s.peopleDn}`);
    assert.equal(s.awkward.minimal.givenName, undefined);
    assert.equal(s.awkward.minimal.mail, undefined);
  });

  test('seed users with a password can bind; awkward DN binds too', async () => {
    const withPw = s.users.filter((u) => u.userPassword);
    assert.ok(withPw.length >= 3);
    for (const u of withPw) {
      await withClient(client(s.ldapUrl), (c) => c.bind(u.dn, u.userPassword!));
    }
  });

  test('anonymous sees nothing', async () => {
    await withClient(client(s.ldapUrl), async (c) => {
      const found = await c
        .search(s.baseDn, { scope: 'sub', filter: '(objectClass=*)', attributes: ['dn'] })
        .then((r) => r.searchEntries.length)
        .catch((e: { code?: number }) => {
          assert.equal(e.code, 32, 'noSuchObject (the base is invisible)');
          return 0;
        });
      assert.equal(found, 0);
    });
  });

  test('ldaps and StartTLS verify against our CA and the server name, nothing else', async () => {
    // Right CA, name from the certificate's SAN.
    await withClient(client(s.ldapsUrl, { ca, servername: 'localhost' }), (c) => c.bind(s.readerDn, s.readerPassword));
    await withClient(client(s.ldapsUrl, { ca }), (c) => c.bind(s.readerDn, s.readerPassword)); // IP SAN 127.0.0.1
    await withClient(client(s.ldapUrl), async (c) => {
      await c.startTLS({ ca: [ca], servername: 'localhost' });
      await c.bind(s.readerDn, s.readerPassword);
      const r = await c.search(s.peopleDn, { filter: '(uid=nomail)', attributes: ['cn'] });
      assert.equal(r.searchEntries[0]?.cn, 'Nomail Person');
    });
    // System trust store only: our throwaway CA is unknown.
    await assert.rejects(withClient(client(s.ldapsUrl, { timeout: 3000 }), (c) => c.bind(s.readerDn, s.readerPassword)), /certificate|issuer/i);
    await assert.rejects(
      withClient(client(s.ldapUrl, { timeout: 3000 }), (c) => c.startTLS({})),
      /certificate|issuer/i,
    );
    // Right CA, wrong name.
    await assert.rejects(
      withClient(client(s.ldapsUrl, { ca, servername: 'ldap.example.com', timeout: 3000 }), (c) => c.bind(s.readerDn, s.readerPassword)),
      /altnames|does not match|Hostname/i,
    );
  });

  test('pause freezes the server (TCP accepted, no answer) until resume', async () => {
    await s.pause();
    try {
      // The kernel still completes the TCP handshake on the listening socket.
      await new Promise<void>((resolve, reject) => {
        const sock = connect(s.ldapPort, '127.0.0.1', () => {
          sock.destroy();
          resolve();
        });
        sock.on('error', reject);
        sock.setTimeout(2000, () => reject(new Error('TCP connect timed out')));
      });
      await assert.rejects(
        withClient(client(s.ldapUrl, { timeout: 500 }), (c) => c.bind(s.readerDn, s.readerPassword)),
        /timeout|timed out/i,
      );
      // A bind in flight stays unanswered while paused, then completes after resume.
      const c = client(s.ldapUrl, { timeout: 10_000 });
      let settled = false;
      const pending = c.bind(s.readerDn, s.readerPassword).finally(() => (settled = true));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(settled, false);
      await s.resume();
      await pending;
      await c.unbind().catch(() => {});
    } finally {
      await s.resume();
    }
    await withClient(client(s.ldapUrl), (c) => c.bind(s.readerDn, s.readerPassword));
  });

  test('restart keeps ports, data and entryUUIDs', async () => {
    const u = s.users[10];
    assert.equal(s.userByUid(u.uid), u);
    const read = () =>
      withClient(client(s.ldapUrl), async (c) => {
        await c.bind(s.adminDn, s.adminPassword);
        const r = await c.search(u.dn, { scope: 'base', attributes: ['entryUUID', 'title'] });
        return r.searchEntries[0];
      });
    await s.ldapModify(`dn: ${u.dn}\nchangetype: modify\nreplace: title\ntitle: Changed before restart\n-\n`);
    const before = await read();
    const ports = [s.ldapPort, s.ldapsPort];
    const oldPid = s.pid;
    await s.restart();
    assert.notEqual(s.pid, oldPid);
    assert.ok(oldPid != null && !isAlive(oldPid), 'old slapd is gone');
    assert.deepEqual([s.ldapPort, s.ldapsPort], ports);
    const afterRestart = await read();
    assert.equal(afterRestart.entryUUID, before.entryUUID);
    assert.equal(afterRestart.title, 'Changed before restart');
    await withClient(client(s.ldapsUrl, { ca }), (c) => c.bind(s.readerDn, s.readerPassword));
  });

  test('ldapAdd / ldapModRdn / ldapDelete work and report the tool error', async () => {
    const dn = `uid=temp.user,ou=Sales,${s.peopleDn}`;
    await s.ldapAdd({ dn, attributes: [['objectClass', 'inetOrgPerson'], ['uid', 'temp.user'], ['cn', 'Temp Ünïcode'], ['sn', 'User']] });
    await s.ldapModRdn(dn, 'uid=temp.user2', { newSuperior: `ou=Marketing,${s.peopleDn}` });
    const moved = `uid=temp.user2,ou=Marketing,${s.peopleDn}`;
    const seen = await withClient(client(s.ldapUrl), async (c) => {
      await c.bind(s.readerDn, s.readerPassword);
      return (await c.search(moved, { scope: 'base', attributes: ['cn', 'uid'] })).searchEntries[0];
    });
    assert.equal(seen.cn, 'Temp Ünïcode');
    assert.equal(seen.uid, 'temp.user2', 'deleteOldRdn removed the old uid');
    await s.ldapDelete(moved);
    await assert.rejects(s.ldapDelete(moved), /No such object/);
    await assert.rejects(s.ldapAdd(`dn: uid=x,ou=Nowhere,${s.baseDn}\nobjectClass: inetOrgPerson\nuid: x\ncn: x\nsn: x\n`), /ldapmodify failed: .*No such object/s);
  });
});

describe('slapd lifetime', () => {
  test('stop() kills slapd, removes its dir, and is idempotent', async () => {
    const s = await startSlapd({ users: 10, awkward: false });
    const pid = s.pid!;
    assert.ok(isAlive(pid));
    await s.stop();
    assert.equal(isAlive(pid), false);
    assert.equal(existsSync(s.dir), false);
    assert.equal(s.pid, undefined);
    await s.stop();
  });

  test('slapd does not outlive a SIGKILLed owner', async () => {
    const code = `
      const { startSlapd } = require(${JSON.stringify(join(repoRoot, 'scripts/directory/slapd.ts'))});
      startSlapd({ users: 10, awkward: false }).then((s) => {
        process.stdout.write(JSON.stringify({ pid: s.pid, dir: s.dir, port: s.ldapPort }) + '\\n');
        setInterval(() => {}, 1000);
      }, (e) => { console.error(e); process.exit(1); });`;
    const owner = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    owner.stdout.on('data', (d) => (out += d));
    owner.stderr.on('data', (d) => (err += d));
    try {
      await waitUntil('owner reports slapd pid', () => out.includes('\n') || owner.exitCode != null, 20_000);
      assert.ok(out.includes('\n'), `owner failed: ${err}`);
      const info = JSON.parse(out.split('\n')[0]) as { pid: number; dir: string; port: number };
      assert.ok(isAlive(info.pid));
      owner.kill('SIGKILL');
      await waitUntil('owner gone', () => owner.exitCode != null || owner.signalCode != null, 5000);
      await waitUntil(`slapd pid ${info.pid} gone`, () => !isAlive(info.pid), 5000);
      await waitUntil('temp dir removed', () => !existsSync(info.dir), 5000);
    } finally {
      if (owner.exitCode == null && owner.signalCode == null) owner.kill('SIGKILL');
    }
  });
});

describe('test PKI', () => {
  test('impostor, look-alike-CA and expired certificates are refused by a client trusting our CA', async () => {
    const pki = await makeTestPki();
    try {
      const ca = readFileSync(pki.caCertPath);
      const cases = [
        ['impostor', await makeImpostorCert(pki), 'DEPTH_ZERO_SELF_SIGNED_CERT'],
        ['look-alike CA', await makeLookalikeCaCert(pki), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
        ['expired', await makeExpiredCert(pki), 'CERT_HAS_EXPIRED'],
      ] as const;
      for (const [name, cert, code] of cases) {
        const s = await startSlapd({ users: 1, awkward: false, pki, serverCert: cert });
        try {
          await assert.rejects(
            withClient(client(s.ldapsUrl, { ca, timeout: 3000 }), (c) => c.bind(s.readerDn, s.readerPassword)),
            (e: { code?: string }) => e.code === code,
            name,
          );
          // StartTLS presents the same certificate.
          await assert.rejects(withClient(client(s.ldapUrl, { timeout: 3000 }), (c) => c.startTLS({ ca: [ca] })), (e: { code?: string }) => e.code === code, name);
        } finally {
          await s.stop();
        }
      }
      assert.ok(existsSync(pki.caCertPath), 'a shared PKI outlives the servers using it');
    } finally {
      await pki.dispose();
    }
  });
});
