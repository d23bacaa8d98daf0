// Throwaway OpenLDAP server for tests, `npm run demo` and `npm run bench`: slapd.conf (not
// cn=config) in a temp dir, mdb backend seeded offline with slapadd, ldap:// (StartTLS) and
// ldaps:// on random free 127.0.0.1 ports, TLS from a throwaway CA, a size-limited reader
// account. slapd runs in the foreground (-d 0) as our child with its output in a log file (never
// our stdio), and cannot outlive us: an 'exit' hook kills it, and a watchdog process kills it
// if we are SIGKILLed.

import { spawn, execFile } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { addRecord, deleteRecord, modRdnRecord, type LdifEntry } from './ldif';
import { watchOwner, type Watchdog } from './ownerWatchdog';
import { makeTestPki, type CertPair, type TestPki } from './pki';
import {
  awkwardUsers,
  DEFAULT_BASE_DN,
  peopleDn as peopleDnOf,
  seedPeople,
  writeSeedLdif,
  type AwkwardUsers,
  type SeedUser,
} from './seedUsers';

export interface StartSlapdOptions {
  /** Regular users to seed (default 2000). The awkward users come on top unless awkward: false. */
  users?: number;
  /** Seed the awkward users (default true). */
  awkward?: boolean;
  /** Extra LDIF content records (slapadd format) appended to the seed. */
  extraLdif?: string;
  /** Extra `index` directives, e.g. ['employeeNumber eq', 'departmentNumber eq']. */
  indexes?: string[];
  /**
   * Substring indexes on uid, cn, mail, givenName, sn (default true). They dominate slapadd time:
   * 100,000 users take ~16 s CPU with them, ~4 s without (searches still work, unindexed).
   */
  substringIndexes?: boolean;
  /** Size limit of the reader account for non-paged searches (default 500; paged is unlimited). */
  sizeLimit?: number;
  /** Suffix (default dc=example,dc=test). */
  baseDn?: string;
  /** Load the ppolicy overlay (default false). */
  ppolicy?: boolean;
  /** Share a PKI between servers; otherwise one is made and removed with the server. */
  pki?: TestPki;
  /** Certificate slapd presents instead of pki.server (impostor/expired-certificate tests). */
  serverCert?: CertPair;
  /** How long to wait for the first successful bind (default 15 s). */
  readyTimeoutMs?: number;
}

export interface ModRdnOptions {
  deleteOldRdn?: boolean;
  newSuperior?: string;
}

export interface SlapdHandle {
  readonly host: '127.0.0.1';
  readonly ldapPort: number;
  readonly ldapsPort: number;
  /** ldap://127.0.0.1:P (plain and StartTLS). */
  readonly ldapUrl: string;
  /** ldaps://127.0.0.1:Q. */
  readonly ldapsUrl: string;
  readonly caCertPath: string;
  readonly pki: TestPki;
  readonly baseDn: string;
  readonly peopleDn: string;
  readonly groupsDn: string;
  /** rootdn: never size-limited, bypasses ACLs. */
  readonly adminDn: string;
  readonly adminPassword: string;
  /** Normal entry limited to sizeLimit entries per non-paged search; reads everything but passwords. */
  readonly readerDn: string;
  readonly readerPassword: string;
  readonly sizeLimit: number;
  /** Temp dir holding slapd.conf, db/, slapd.log, seed.ldif. Removed by stop(). */
  readonly dir: string;
  readonly logPath: string;
  /** Every seeded person (regular users 1..N, then the awkward ones). */
  readonly users: readonly SeedUser[];
  readonly awkward: AwkwardUsers;
  /** Number of regular users seeded. */
  readonly userCount: number;
  /** pid of the running slapd, or undefined when stopped. */
  readonly pid: number | undefined;
  userByUid(uid: string): SeedUser | undefined;
  /** Runs `ldapmodify` as the rootdn with the given LDIF change records. Rejects with the tool's message. */
  ldapModify(ldif: string): Promise<void>;
  /** Adds an entry (LDIF content record or LdifEntry). */
  ldapAdd(entry: string | LdifEntry): Promise<void>;
  ldapDelete(dn: string): Promise<void>;
  ldapModRdn(dn: string, newRdn: string, opts?: ModRdnOptions): Promise<void>;
  /**
   * SIGSTOP: connections are still accepted by the kernel, nothing is answered. The signal is
   * sent at once; the promise resolves when every slapd thread is stopped (a thread that was
   * mid-request could otherwise still answer it).
   */
  pause(): Promise<void>;
  /** SIGCONT; resolves when slapd's threads run again. */
  resume(): Promise<void>;
  /** Stops and starts slapd on the same ports with the same data. */
  restart(): Promise<void>;
  /** Kills slapd, removes the temp dir (and the PKI when it owns it). Idempotent. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const ADMIN_PASSWORD = 'Admin-Passw0rd!';
const READER_PASSWORD = 'Reader-Passw0rd!';
const TOOL_TIMEOUT_MS = 30_000;
const INSTALL_HINT = 'Install OpenLDAP: `apt-get install -y slapd ldap-utils` (as root).';

function tool(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return name; // let PATH decide; ENOENT is turned into INSTALL_HINT
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Runs a CLI tool with stdin input, no inherited stdio, a hard timeout; rejects with its stderr. */
function runTool(cmd: string, args: string[], input?: string, timeoutMs = TOOL_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve(String(stdout));
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new Error(`${cmd} not found. ${INSTALL_HINT}`));
        const detail = String(stderr).trim() || String(stdout).trim() || err.message;
        reject(new Error(`${cmd.split('/').pop()} failed${err.killed ? ' (timed out)' : ''}: ${detail}`));
      },
    );
    child.stdin?.on('error', () => {}); // tool exited before reading all input: reported via the callback
    child.stdin?.end(input ?? '');
  });
}

function slapdConf(p: {
  dir: string; baseDn: string; adminDn: string; readerDn: string; sizeLimit: number;
  caCertPath: string; cert: CertPair; indexes: string[]; substringIndexes: boolean; ppolicy: boolean;
}): string {
  const limit = `size.soft=${p.sizeLimit} size.hard=${p.sizeLimit} size.prtotal=unlimited`;
  return `# Generated by scripts/directory/slapd.ts for a throwaway test directory.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
modulepath /usr/lib/ldap
moduleload back_mdb
${p.ppolicy ? 'moduleload ppolicy' : ''}
pidfile  ${p.dir}/slapd.pid
argsfile ${p.dir}/slapd.args
TLSCACertificateFile  ${p.caCertPath}
TLSCertificateFile    ${p.cert.certPath}
TLSCertificateKeyFile ${p.cert.keyPath}
# Every non-root identity: a non-paged search stops at the limit with resultCode 4, a paged
# search may read everything (plain 'sizelimit N' would cap paged totals too: prtotal).
sizelimit ${limit}
# rootDSE and schema readable by all, so clients can discover controls before binding.
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read

database mdb
maxsize 8589934592
dbnosync
suffix "${p.baseDn}"
rootdn "${p.adminDn}"
rootpw ${ADMIN_PASSWORD}
directory ${p.dir}/db
limits dn.exact="${p.readerDn}" ${limit}
index objectClass eq
index entryUUID eq
index uid,cn,mail,givenName,sn ${p.substringIndexes ? 'eq,sub' : 'eq'}
${p.indexes.map((i) => `index ${i}`).join('\n')}
${p.ppolicy ? 'overlay ppolicy' : ''}
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="${p.readerDn}" read
  by users read
  by * none
`;
}

interface LiveServer {
  child: ReturnType<typeof spawn>;
  watchdog: Watchdog;
  exited: Promise<void>;
  hasExited: () => boolean;
}

// Everything still running when the process exits normally (or via process.exit) is killed
// synchronously; SIGKILL of the owner is covered by the watchdog instead.
const live = new Set<{ killNow(): void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of live) s.killNow();
  });
}

/** Polls /proc until all threads of pid are (or are no longer) in the stopped state 'T'. */
async function waitForThreadState(pid: number, stopped: boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  for (;;) {
    let all = true;
    try {
      for (const tid of await readdir(`/proc/${pid}/task`)) {
        const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
        const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        if (state !== '' && (state === 'T') !== stopped) all = false;
      }
    } catch {
      return; // no /proc (not Linux) or the process is gone: nothing to wait for
    }
    if (all || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function waitForBind(url: string, dn: string, password: string, server: LiveServer, timeoutMs: number, logPath: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (server.hasExited()) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      throw new Error(`slapd exited during start-up: ${log.trim().split('\n').slice(-15).join('\n')}`);
    }
    const client = new Client({ url, connectTimeout: 1000, timeout: 1000 });
    try {
      await client.bind(dn, password);
      return;
    } catch (e) {
      lastError = (e as Error).message;
    } finally {
      await client.unbind().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`slapd did not accept a bind within ${timeoutMs} ms (${lastError}); see ${logPath}`);
}

export async function startSlapd(opts: StartSlapdOptions = {}): Promise<SlapdHandle> {
  installExitHook();
  const userCount = opts.users ?? 2000;
  const baseDn = opts.baseDn ?? DEFAULT_BASE_DN;
  const sizeLimit = opts.sizeLimit ?? 500;
  const adminDn = `cn=admin,${baseDn}`;
  const readerDn = `cn=reader,ou=System,${baseDn}`;
  const slapdBin = tool('slapd');

  const dir = await mkdtemp(join(tmpdir(), 'ldapum-slapd-'));
  let pki: TestPki | undefined = opts.pki;
  let server: LiveServer | undefined;
  let stopped = false;
  const logPath = join(dir, 'slapd.log');
  const confPath = join(dir, 'slapd.conf');
  const passwordFile = join(dir, 'admin.pw');

  const tracker = {
    killNow() {
      if (server && !server.hasExited()) {
        try {
          process.kill(server.child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }
      server?.watchdog.cancel();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  live.add(tracker);

  const launch = async (ports: { ldap: number; ldaps: number }): Promise<LiveServer> => {
    const log = await open(logPath, 'a');
    let child;
    try {
      child = spawn(slapdBin, ['-d', '0', '-f', confPath, '-h', `ldap://${HOST}:${ports.ldap}/ ldaps://${HOST}:${ports.ldaps}/`], {
        stdio: ['ignore', log.fd, log.fd],
      });
    } finally {
      await log.close();
    }
    let exited = false;
    const exitedP = new Promise<void>((resolve) => {
      child.once('exit', () => {
        exited = true;
        resolve();
      });
      child.once('error', (e) => {
        exited = true;
        void writeFile(logPath, `spawn ${slapdBin}: ${e.message}\n${INSTALL_HINT}\n`, { flag: 'a' }).catch(() => {});
        resolve();
      });
    });
    child.unref();
    const watchdog = watchOwner(child.pid ?? -1, dir);
    return { child, watchdog, exited: exitedP, hasExited: () => exited || child.exitCode != null || child.signalCode != null };
  };

  const kill = async (s: LiveServer): Promise<void> => {
    s.watchdog.cancel();
    if (s.hasExited()) return;
    // SIGKILL is safe for mdb (every write is a committed transaction) and instant, whereas a
    // SIGTERM shutdown takes slapd ~2 s. Never leave it stopped-and-unkillable: SIGKILL works on
    // a SIGSTOPped process too.
    try {
      process.kill(s.child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    // A ref'd timer: the child is unref'd, so without it Node could exit while we wait.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(r, 10_000, 'timeout')));
    const outcome = await Promise.race([s.exited, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`slapd pid ${s.child.pid} did not exit after SIGKILL`);
  };

  try {
    // An owned PKI lives inside the server's dir, so every cleanup path (stop, exit hook,
    // watchdog) removes it with the dir.
    pki ??= await makeTestPki({ parentDir: dir });
    await mkdir(join(dir, 'db'));
    await writeFile(passwordFile, ADMIN_PASSWORD, { mode: 0o600 });
    await writeFile(
      confPath,
      slapdConf({
        dir, baseDn, adminDn, readerDn, sizeLimit, caCertPath: pki.caCertPath,
        cert: opts.serverCert ?? pki.server, indexes: opts.indexes ?? [],
        substringIndexes: opts.substringIndexes ?? true, ppolicy: opts.ppolicy ?? false,
      }),
      { mode: 0o600 },
    );
    await chmod(confPath, 0o600);
    const seedPath = join(dir, 'seed.ldif');
    await writeSeedLdif(seedPath, {
      baseDn, readerDn, readerPassword: READER_PASSWORD, users: userCount, awkward: opts.awkward, extraLdif: opts.extraLdif,
    });
    // slapadd builds the sub indexes too: ~0.1 s per 2,000 users idle, far more on a busy machine.
    await runTool(tool('slapadd'), ['-q', '-f', confPath, '-l', seedPath], undefined, 60_000 + userCount * 3);

    // A port picked free can be taken before slapd binds it: retry with new ports.
    let ports = { ldap: 0, ldaps: 0 };
    for (let attempt = 1; ; attempt++) {
      ports = { ldap: await freePort(), ldaps: await freePort() };
      if (ports.ldap === ports.ldaps) continue;
      server = await launch(ports);
      try {
        await waitForBind(`ldap://${HOST}:${ports.ldap}`, adminDn, ADMIN_PASSWORD, server, opts.readyTimeoutMs ?? 15_000, logPath);
        break;
      } catch (e) {
        await kill(server);
        if (attempt >= 3 || !server.hasExited()) throw e;
      }
    }

    const ldapUrl = `ldap://${HOST}:${ports.ldap}`;
    const users = seedPeople({ baseDn, users: userCount, awkward: opts.awkward });
    const byUid = new Map(users.map((u) => [u.uid, u]));
    const adminArgs = ['-x', '-H', ldapUrl, '-D', adminDn, '-y', passwordFile];
    const finalPki = pki;

    const handle: SlapdHandle = {
      host: HOST,
      ldapPort: ports.ldap,
      ldapsPort: ports.ldaps,
      ldapUrl,
      ldapsUrl: `ldaps://${HOST}:${ports.ldaps}`,
      caCertPath: finalPki.caCertPath,
      pki: finalPki,
      baseDn,
      peopleDn: peopleDnOf(baseDn),
      groupsDn: `ou=Groups,${baseDn}`,
      adminDn,
      adminPassword: ADMIN_PASSWORD,
      readerDn,
      readerPassword: READER_PASSWORD,
      sizeLimit,
      dir,
      logPath,
      users,
      awkward: awkwardUsers(baseDn),
      userCount,
      get pid() {
        return server && !server.hasExited() ? server.child.pid : undefined;
      },
      userByUid: (uid) => byUid.get(uid),
      async ldapModify(ldif) {
        if (stopped) throw new Error('slapd was stopped');
        await runTool(tool('ldapmodify'), adminArgs, ldif);
      },
      async ldapAdd(entry) {
        if (stopped) throw new Error('slapd was stopped');
        await runTool(tool('ldapmodify'), ['-a', ...adminArgs], typeof entry === 'string' ? entry : addRecord(entry));
      },
      async ldapDelete(dn) {
        await handle.ldapModify(deleteRecord(dn));
      },
      async ldapModRdn(dn, newRdn, o = {}) {
        await handle.ldapModify(modRdnRecord(dn, newRdn, o.deleteOldRdn ?? true, o.newSuperior));
      },
      async pause() {
        if (!server || server.hasExited()) throw new Error('slapd is not running');
        process.kill(server.child.pid!, 'SIGSTOP');
        await waitForThreadState(server.child.pid!, true);
      },
      async resume() {
        if (!server || server.hasExited()) throw new Error('slapd is not running');
        process.kill(server.child.pid!, 'SIGCONT');
        await waitForThreadState(server.child.pid!, false);
      },
      async restart() {
        if (stopped) throw new Error('slapd was stopped');
        if (server) await kill(server);
        server = await launch(ports);
        await waitForBind(ldapUrl, adminDn, ADMIN_PASSWORD, server, opts.readyTimeoutMs ?? 15_000, logPath);
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        if (server) await kill(server);
        live.delete(tracker);
        await rm(dir, { recursive: true, force: true }); // includes an owned PKI
      },
    };
    return handle;
  } catch (e) {
    if (server) await kill(server).catch(() => {});
    live.delete(tracker);
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
