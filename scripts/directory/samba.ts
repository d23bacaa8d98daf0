// Samba AD domain controller for tests and demos: a real AD (realm SAMDOM.TEST) on a loopback
// address, LDAP service only, single process, our throwaway CA, strong auth required (a plain
// simple bind is refused with strongAuthRequired 8, like a hardened DC).
//
// Provisioning and loading 2,000 users takes ~15 s, so the first run keeps a pristine copy of the
// provisioned and seeded instance in ~/.cache/ldap-user-manager/samba-<hash>; later runs copy it
// to a temp dir and start in about a second. restart() goes back to that pristine state.
//
// Samba's LDAP ports cannot be changed (389/636/3268/3269), so each instance takes its own
// loopback address from a small pool (127.0.38.1-16, all in the certificate's SAN) guarded by a lock
// file; two test files can run a DC each at the same time.
//
// Never hangs a test runner: samba runs in the foreground (-F, not -i, which exits when stdin hits
// EOF) in its own process group, stdin ignored, stdout/stderr to a log file; it is stopped by pid
// on stop(), on process exit, and by a detached watchdog if the owner is SIGKILLed.

import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'ldapts';
import {
  AD_ADMIN_PASSWORD, AD_BASE_DN, AD_DNS_DOMAIN, AD_FORMER_STAFF_OU, AD_NETBIOS_DOMAIN, AD_READER, AD_READER_PASSWORD,
  AD_REALM, AD_STAFF_OU, AD_SERVICE_OU, AD_USER_PASSWORD, adSeedLdif, adStaffUserCount,
} from './adSeedUsers';
import { watchOwner, type Watchdog } from './ownerWatchdog';
import { makeTestPki } from './pki';

/** Bump when the seed or the provisioning changes: it is part of the cache key. */
const SEED_VERSION = 1;
const DEFAULT_USERS = 2000;
const IP_POOL = Array.from({ length: 16 }, (_, i) => `127.0.38.${i + 1}`);
const LDAP_PORTS = [389, 636, 3268, 3269];
const HOST_NAME = 'dc1';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const BUILD_TIMEOUT_MS = 240_000;
const TOOL_TIMEOUT_MS = 60_000;

export interface SambaOptions {
  /** Bulk users in OU=Staff (default 2000). Each distinct count is provisioned and cached once. */
  users?: number;
  /** Progress lines (provisioning takes a while on the first run). */
  log?: (line: string) => void;
}

export interface SambaTimings {
  /** True when the pristine instance came from the cache (no provisioning in this call). */
  fromCache: boolean;
  /** Provision + seed, when this call had to build the cache. */
  buildMs?: number;
  /** Copy of the pristine instance + start until LDAP answers. */
  startMs: number;
}

export interface RenameOptions {
  samAccountName?: string;
  upn?: string;
  /** New CN (RDN); without it Samba keeps the CN unless name attributes change. */
  cn?: string;
  givenName?: string;
  surname?: string;
  displayName?: string;
  mail?: string;
}

/** An entry read with ldbsearch: attribute name (as Samba spells it) → values as ldbsearch prints them. */
export type LdbEntry = { dn: string } & Record<string, string[] | string>;

export interface SambaHandle {
  realm: string;
  netbiosDomain: string;
  dnsDomain: string;
  /** Loopback address this DC listens on (127.0.38.x). */
  host: string;
  /** ldap://host:389 — StartTLS (a plain simple bind is refused: strong auth required). */
  ldapUrl: string;
  ldapsUrl: string;
  /** Global catalog over TLS (3269). */
  gcLdapsUrl: string;
  caCertPath: string;
  caCert: Buffer;
  baseDn: string;
  usersOu: string;
  /** Empty OU for move tests. */
  formerStaffOu: string;
  serviceOu: string;
  adminDn: string;
  adminUpn: string;
  adminPassword: string;
  readerDn: string;
  readerUpn: string;
  readerSam: string;
  readerPassword: string;
  /** Password of AD_PASSWORD_USERS (pwuser1..3 enabled, pwdisabled disabled). */
  userPassword: string;
  bulkUsers: number;
  /** Person entries in OU=Staff right after (re)start: bulk + password + awkward users. */
  staffUserCount: number;
  dir: string;
  configPath: string;
  logPath: string;
  pid: number;
  timings: SambaTimings;
  userDn(sam: string): Promise<string>;
  /** `samba-tool <args> -s <smb.conf>` on the live DC; resolves with stdout. */
  sambaTool(args: string[]): Promise<string>;
  renameUser(sam: string, opts: RenameOptions): Promise<void>;
  moveUser(sam: string, newParentDn: string): Promise<void>;
  disableUser(sam: string): Promise<void>;
  enableUser(sam: string): Promise<void>;
  setPassword(sam: string, password: string): Promise<void>;
  /** ldapmodify over LDAPS as Administrator, verifying our CA. */
  ldapModify(ldif: string): Promise<void>;
  /** ldbsearch on the DC's sam.ldb (subtree under the domain unless base given). */
  ldbSearch(filter: string, attributes: string[], base?: string): Promise<LdbEntry[]>;
  /** objectGUID in Microsoft text form as Samba itself prints it (ldbsearch or samba-tool user show). */
  guidOf(sam: string, via?: 'ldbsearch' | 'samba-tool'): Promise<string>;
  userAccountControlOf(sam: string): Promise<number>;
  /** Back to the pristine seeded state (same address and URLs). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// availability

const PROVISION_SCHEMA = '/usr/share/samba/setup/ad-schema';

/** Why a Samba DC cannot run here, or null when it can. */
export function sambaUnavailableReason(): string | null {
  const missing = ['/usr/sbin/samba', '/usr/bin/samba-tool', '/usr/bin/ldbadd', '/usr/bin/ldbsearch', '/usr/bin/ldapmodify']
    .filter((p) => !existsSync(p));
  if (missing.length > 0) {
    return `missing ${missing.join(', ')}: run scripts/bootstrap.sh as root ` +
      '(apt-get install samba samba-ad-dc samba-ad-provision ldb-tools ldap-utils)';
  }
  if (!existsSync(PROVISION_SCHEMA)) {
    return `missing ${PROVISION_SCHEMA}: apt-get install --no-install-recommends samba-ad-provision`;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'Samba AD listens on the fixed ports 389/636, which need root';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// small process helpers (no stdio inheritance, always a timeout)

interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  cwd?: string;
}

function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [opts.input != null ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? TOOL_TIMEOUT_MS);
    child.on('error', (e) => { clearTimeout(timer); reject(new Error(`${cmd} could not start: ${e.message}`)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else {
        const why = signal != null ? `was killed (${signal}; timeout ${opts.timeoutMs ?? TOOL_TIMEOUT_MS} ms?)` : `exited ${code}`;
        reject(new Error(`${cmd} ${args[0] ?? ''} ${why}: ${(stderr || stdout).trim().slice(-2000)}`));
      }
    });
    if (opts.input != null && child.stdin) {
      child.stdin.on('error', () => {}); // reported through the exit code
      child.stdin.end(opts.input);
    }
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Resolves true if `p` settles within `ms`, false otherwise; never leaves a timer behind. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((r) => { timer = setTimeout(() => r(false), ms); });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---------------------------------------------------------------------------------------------
// cache of the pristine provisioned + seeded instance

function cacheRoot(): string {
  if (process.env.LDAPUM_CACHE_DIR) return process.env.LDAPUM_CACHE_DIR;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ldap-user-manager');
}

async function cacheKey(users: number): Promise<string> {
  const version = (await run('samba', ['-V'], { timeoutMs: 10_000 })).trim();
  return createHash('sha256').update(JSON.stringify({ SEED_VERSION, users, version, IP_POOL })).digest('hex').slice(0, 16);
}

/** smb.conf for an instance rooted at `dir` listening on `ip`. Written in full, never inherited. */
function smbConf(dir: string, ip: string): string {
  const lines = [
    '[global]',
    `netbios name = ${HOST_NAME.toUpperCase()}`,
    `workgroup = ${AD_NETBIOS_DOMAIN}`,
    `realm = ${AD_REALM}`,
    'server role = active directory domain controller',
    // Only LDAP: no smbd, kdc, rpc, winbindd (fewer ports, 48 MB instead of ~300 MB).
    'server services = ldap',
    `interfaces = ${ip}/8`,
    'bind interfaces only = yes',
    // What a hardened DC does: a simple bind without TLS gets strongAuthRequired (8).
    'ldap server require strong auth = yes',
    `binddns dir = ${dir}/bind-dns`,
    `cache directory = ${dir}/cache`,
    `lock directory = ${dir}`,
    `state directory = ${dir}/state`,
    `private dir = ${dir}/private`,
    `pid directory = ${dir}/run`,
    `ncalrpc dir = ${dir}/run/ncalrpc`,
    `ntp signd socket directory = ${dir}/run/ntp_signd`,
    `winbindd socket directory = ${dir}/run/winbindd`,
    `log file = ${dir}/log/samba.log`,
    'log level = 1',
    'tls enabled = yes',
    `tls keyfile = ${dir}/pki/server.key`,
    `tls certfile = ${dir}/pki/server.pem`,
    `tls cafile = ${dir}/pki/ca.pem`,
    'idmap_ldb:use rfc2307 = yes',
    '',
  ];
  return lines.map((l) => (l.startsWith('[') || l === '' ? l : `\t${l}`)).join('\n');
}

async function writeInstanceConfig(dir: string, ip: string): Promise<string> {
  await mkdir(join(dir, 'etc'), { recursive: true });
  await mkdir(join(dir, 'run'), { recursive: true });
  await mkdir(join(dir, 'log'), { recursive: true });
  const configPath = join(dir, 'etc', 'smb.conf');
  await writeFile(configPath, smbConf(dir, ip));
  await chmod(join(dir, 'pki', 'server.key'), 0o600); // samba exits on a key readable by others
  return configPath;
}

/** Provision + seed into `instanceDir` (which must not exist yet). */
async function buildPristine(instanceDir: string, users: number, log: (l: string) => void): Promise<void> {
  await mkdir(join(instanceDir, 'etc'), { recursive: true });
  await mkdir(join(instanceDir, 'log'), { recursive: true });
  await mkdir(join(instanceDir, 'run'), { recursive: true });
  // An empty existing config file: provision then writes a clean one instead of merging Debian's
  // /etc/samba/smb.conf (a missing file makes provision crash).
  const provisionConf = join(instanceDir, 'etc', 'provision.conf');
  await writeFile(provisionConf, '');
  const d = instanceDir;
  log('samba: provisioning the SAMDOM.TEST domain (first run only, ~5-10 s)');
  const out = await run('samba-tool', [
    'domain', 'provision', `--configfile=${provisionConf}`, `--targetdir=${d}`,
    `--realm=${AD_REALM}`, `--domain=${AD_NETBIOS_DOMAIN}`, '--server-role=dc', '--dns-backend=NONE', '--use-rfc2307',
    `--host-name=${HOST_NAME}`, `--adminpass=${AD_ADMIN_PASSWORD}`,
    '--option=interfaces=127.0.0.1/8', '--option=bind interfaces only=yes',
    `--option=pid directory=${d}/run`, `--option=ncalrpc dir=${d}/run/ncalrpc`,
    `--option=winbindd socket directory=${d}/run/winbindd`, `--option=ntp signd socket directory=${d}/run/ntp_signd`,
    `--option=log file=${d}/log/samba.log`,
  ], { timeoutMs: 120_000 }).catch((e: Error) => {
    throw new Error(`Samba provisioning failed (is samba-ad-provision installed?): ${e.message.replaceAll(AD_ADMIN_PASSWORD, '***')}`);
  });
  await writeFile(join(d, 'log', 'provision.log'), out);
  await rm(provisionConf, { force: true });

  // PKI lives inside the instance so the pristine copy is self-contained.
  const pki = await makeTestPki({ parentDir: d, extraIps: IP_POOL, extraDnsNames: [`${HOST_NAME}.${AD_DNS_DOMAIN}`] });
  await mkdir(join(d, 'pki'));
  await copyFile(pki.caCertPath, join(d, 'pki', 'ca.pem'));
  await copyFile(pki.server.certPath, join(d, 'pki', 'server.pem'));
  await copyFile(pki.server.keyPath, join(d, 'pki', 'server.key'));
  await pki.dispose();

  const configPath = await writeInstanceConfig(d, IP_POOL[0]);
  log(`samba: loading ${users} users offline (ldbadd)`);
  const ldif = adSeedLdif(users);
  await writeFile(join(d, 'seed.ldif'), ldif.main);
  await writeFile(join(d, 'seed-forced-guid.ldif'), ldif.forcedGuid);
  const sam = join(d, 'private', 'sam.ldb');
  await run('ldbadd', [`--configfile=${configPath}`, '-H', sam, join(d, 'seed.ldif')], { timeoutMs: 180_000 });
  // Forcing an objectGUID needs the relax control; only for this one file.
  await run('ldbadd', [`--configfile=${configPath}`, '-H', sam, '--relax', join(d, 'seed-forced-guid.ldif')]);
  await rm(join(d, 'seed.ldif'));
  await rm(join(d, 'seed-forced-guid.ldif'));
  await rm(join(d, 'etc', 'smb.conf'));
}

/**
 * The pristine instance dir for `users` bulk users, building it when missing. Concurrent callers
 * (two test files) wait for one builder instead of provisioning twice on two cores.
 */
async function pristineDir(users: number, log: (l: string) => void): Promise<{ dir: string; buildMs?: number }> {
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  const key = await cacheKey(users);
  const finalDir = join(root, `samba-${key}`);
  const ready = (): boolean => existsSync(join(finalDir, 'READY'));
  if (ready()) return { dir: join(finalDir, 'instance') };

  const lockPath = `${finalDir}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (ready()) return { dir: join(finalDir, 'instance') };
    let fd;
    try {
      fd = await open(lockPath, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (!(holder > 0 && pidAlive(holder))) await rm(lockPath, { force: true }); // stale: builder died
      else await sleep(250);
      continue;
    }
    try {
      await fd.writeFile(String(process.pid));
      await fd.close();
      if (ready()) return { dir: join(finalDir, 'instance') };
      const started = Date.now();
      const buildDir = `${finalDir}.build-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        await buildPristine(join(buildDir, 'instance'), users, log);
        await writeFile(join(buildDir, 'READY'), new Date().toISOString());
        await rm(finalDir, { recursive: true, force: true }); // a half-written leftover without READY
        await rename(buildDir, finalDir);
      } finally {
        await rm(buildDir, { recursive: true, force: true });
      }
      const buildMs = Date.now() - started;
      log(`samba: pristine instance cached in ${finalDir} (${buildMs} ms)`);
      return { dir: join(finalDir, 'instance'), buildMs };
    } finally {
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`Timed out after ${BUILD_TIMEOUT_MS / 1000} s waiting for another process to provision ${finalDir}; ` +
    `remove ${lockPath} if no test is running`);
}

// ---------------------------------------------------------------------------------------------
// loopback address allocation

const LOCK_DIR = join(tmpdir(), 'ldapum-samba-ips');

function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: ip, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

async function claimAddress(): Promise<{ ip: string; release: () => Promise<void> }> {
  await mkdir(LOCK_DIR, { recursive: true });
  const start = Math.floor(Math.random() * IP_POOL.length);
  for (let k = 0; k < IP_POOL.length; k++) {
    const ip = IP_POOL[(start + k) % IP_POOL.length];
    const lockPath = join(LOCK_DIR, `${ip}.lock`);
    let fd;
    try {
      fd = await open(lockPath, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (holder > 0 && pidAlive(holder)) continue;
      await rm(lockPath, { force: true });
      try {
        fd = await open(lockPath, 'wx');
      } catch {
        continue; // someone else took it just now
      }
    }
    await fd.writeFile(String(process.pid));
    await fd.close();
    const release = () => rm(lockPath, { force: true });
    const free = await Promise.all(LDAP_PORTS.map((p) => portFree(ip, p)));
    if (free.every(Boolean)) return { ip, release };
    await release(); // something (a leftover DC?) still listens there
  }
  throw new Error(`No free loopback address for a Samba DC in ${IP_POOL[0]}-${IP_POOL[IP_POOL.length - 1]} ` +
    `(ports ${LDAP_PORTS.join('/')} busy or locked in ${LOCK_DIR})`);
}

// ---------------------------------------------------------------------------------------------
// stale instance cleanup: dirs whose owner died without cleaning up (SIGKILLed runner)

const INSTANCE_PREFIX = 'ldapum-samba-';

async function removeStaleInstances(): Promise<void> {
  const base = tmpdir();
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (!name.startsWith(INSTANCE_PREFIX)) continue;
    const owner = Number(await readFile(join(base, name, 'OWNER'), 'utf8').catch(() => ''));
    if (owner > 0 && !pidAlive(owner)) await rm(join(base, name), { recursive: true, force: true }).catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------
// process lifetime

const live = new Set<number>(); // process-group ids of running DCs
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of live) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

function tcpOpen(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.setTimeout(1000, () => done(false));
    s.once('error', () => done(false));
    s.connect(port, ip, () => done(true));
  });
}

async function rootDseAnswers(url: string): Promise<boolean> {
  const c = new Client({ url, timeout: 2000, connectTimeout: 1000 });
  try {
    const r = await c.search('', { scope: 'base', attributes: ['defaultNamingContext'] });
    return r.searchEntries.length === 1;
  } catch {
    return false;
  } finally {
    await c.unbind().catch(() => {});
  }
}

async function tail(path: string, bytes = 3000): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.slice(-bytes);
}

interface Running {
  pid: number;
  exited: Promise<void>;
  isExited: () => boolean;
  watchdog: Watchdog;
}

async function startProcess(dir: string, configPath: string, ip: string): Promise<Running> {
  const logPath = join(dir, 'log', 'samba-stdout.log');
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn('samba', ['-F', '--debug-stdout', '-M', 'single', '-s', configPath], {
      stdio: ['ignore', fd, fd],
      detached: true, // own process group: stopped as a group, not hit by the runner's Ctrl-C first
    });
  } finally {
    closeSync(fd);
  }
  let exited = false;
  const exitedP = new Promise<void>((resolve) => {
    child.once('exit', () => { exited = true; resolve(); });
    child.once('error', () => { exited = true; resolve(); });
  });
  child.unref();
  const pid = child.pid;
  if (pid == null) throw new Error('samba could not be started (spawn gave no pid)');
  live.add(pid);
  installExitHook();
  const watchdog = watchOwner(pid, dir);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      live.delete(pid);
      watchdog.cancel();
      throw new Error(`samba exited during start-up; its log (${logPath}) ends with:\n${await tail(logPath)}`);
    }
    if ((await tcpOpen(ip, 636)) && (await rootDseAnswers(`ldap://${ip}:389`))) break;
    if (Date.now() > deadline) {
      await killGroup(pid, exitedP, () => exited);
      live.delete(pid);
      watchdog.cancel();
      throw new Error(`samba did not answer LDAP on ${ip} within ${READY_TIMEOUT_MS / 1000} s; log:\n${await tail(logPath)}`);
    }
    await sleep(100);
  }
  return { pid, exited: exitedP, isExited: () => exited, watchdog };
}

async function killGroup(pid: number, exited: Promise<void>, isExited: () => boolean): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // already gone
    }
  };
  if (isExited()) return;
  signal('SIGTERM');
  if (!(await settlesWithin(exited, STOP_TIMEOUT_MS)) && !isExited()) {
    signal('SIGKILL');
    await settlesWithin(exited, 2000);
  }
}

// ---------------------------------------------------------------------------------------------
// ldbsearch output

/** Parses ldbsearch's LDIF (folded lines, `::` base64 values); skips referrals and comments. */
export function parseLdbOutput(text: string): LdbEntry[] {
  const entries: LdbEntry[] = [];
  const unfolded = text.replace(/\r?\n /g, '');
  for (const block of unfolded.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    if (lines.length === 0 || !lines[0].startsWith('dn:')) continue;
    const attrs: Record<string, string[]> = {};
    let dn = '';
    for (const line of lines) {
      const m = /^([^:]+)(::?) ?(.*)$/.exec(line);
      if (!m) continue;
      const value = m[2] === '::' ? Buffer.from(m[3], 'base64').toString('utf8') : m[3];
      if (m[1] === 'dn') dn = value;
      else (attrs[m[1]] ??= []).push(value);
    }
    entries.push({ ...attrs, dn } as LdbEntry);
  }
  return entries;
}

function first(entry: LdbEntry, name: string): string | undefined {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const v = key == null ? undefined : entry[key];
  return Array.isArray(v) ? v[0] : v;
}

/** RFC 4515 escaping for a value we put into an ldbsearch filter. */
function filterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

// ---------------------------------------------------------------------------------------------
// the launcher

/**
 * Starts a Samba AD DC with the seeded SAMDOM.TEST domain on a free loopback address. The first
 * call on a machine provisions and caches (~15 s); later calls start in about a second.
 */
export async function startSambaDc(opts: SambaOptions = {}): Promise<SambaHandle> {
  const reason = sambaUnavailableReason();
  if (reason) throw new Error(`Samba AD DC unavailable: ${reason}`);
  const users = opts.users ?? DEFAULT_USERS;
  const log = opts.log ?? (() => {});
  await removeStaleInstances();
  const pristine = await pristineDir(users, log);

  const t0 = Date.now();
  const { ip, release } = await claimAddress();
  const dir = await mkdtemp(join(tmpdir(), INSTANCE_PREFIX));
  let running: Running | undefined;
  let configPath = '';

  async function materialize(): Promise<void> {
    // Everything but OWNER comes from the pristine copy; cp -a keeps the xattrs provision set.
    for (const name of await readdir(dir)) if (name !== 'OWNER') await rm(join(dir, name), { recursive: true, force: true });
    await run('cp', ['-a', '--reflink=auto', `${pristine.dir}/.`, dir], { timeoutMs: 60_000 });
    configPath = await writeInstanceConfig(dir, ip);
  }

  try {
    await writeFile(join(dir, 'OWNER'), String(process.pid));
    await materialize();
    running = await startProcess(dir, configPath, ip);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    await release();
    throw e;
  }
  const startMs = Date.now() - t0;
  log(`samba: DC on ${ip} ready in ${startMs} ms (pid ${running.pid})`);

  const caCertPath = join(dir, 'pki', 'ca.pem');
  const caCert = await readFile(caCertPath);
  const adminPwFile = join(dir, 'etc', 'admin.pw');
  const ldapsUrl = `ldaps://${ip}:636`;
  const sam = () => join(dir, 'private', 'sam.ldb');
  let stopped = false;

  const ensureRunning = () => {
    if (stopped || running == null) throw new Error('this Samba DC was stopped');
  };

  const sambaTool = async (args: string[]): Promise<string> => {
    ensureRunning();
    return run('samba-tool', [...args, '-s', configPath]);
  };

  const ldbSearch = async (filter: string, attributes: string[], base = AD_BASE_DN): Promise<LdbEntry[]> => {
    ensureRunning();
    const out = await run('ldbsearch', [`--configfile=${configPath}`, '-H', sam(), '-b', base, '-s', 'sub', filter, ...attributes]);
    return parseLdbOutput(out);
  };

  const findUser = async (samName: string, attributes: string[]): Promise<LdbEntry> => {
    const found = await ldbSearch(`(&(objectClass=user)(sAMAccountName=${filterValue(samName)}))`, attributes);
    if (found.length !== 1) throw new Error(`expected one user ${samName} in the Samba DC, found ${found.length}`);
    return found[0];
  };

  const stopProcess = async () => {
    if (running == null) return;
    const r = running;
    running = undefined;
    await killGroup(r.pid, r.exited, r.isExited);
    r.watchdog.cancel();
    live.delete(r.pid);
  };

  const handle: SambaHandle = {
    realm: AD_REALM,
    netbiosDomain: AD_NETBIOS_DOMAIN,
    dnsDomain: AD_DNS_DOMAIN,
    host: ip,
    ldapUrl: `ldap://${ip}:389`,
    ldapsUrl,
    gcLdapsUrl: `ldaps://${ip}:3269`,
    caCertPath,
    caCert,
    baseDn: AD_BASE_DN,
    usersOu: AD_STAFF_OU,
    formerStaffOu: AD_FORMER_STAFF_OU,
    serviceOu: AD_SERVICE_OU,
    adminDn: `CN=Administrator,CN=Users,${AD_BASE_DN}`,
    adminUpn: `Administrator@${AD_DNS_DOMAIN}`,
    adminPassword: AD_ADMIN_PASSWORD,
    readerDn: AD_READER.dn,
    readerUpn: AD_READER.userPrincipalName,
    readerSam: AD_READER.sAMAccountName,
    readerPassword: AD_READER_PASSWORD,
    userPassword: AD_USER_PASSWORD,
    bulkUsers: users,
    staffUserCount: adStaffUserCount(users),
    dir,
    get configPath() { return configPath; },
    logPath: join(dir, 'log', 'samba-stdout.log'),
    get pid() { return running?.pid ?? -1; },
    timings: { fromCache: pristine.buildMs == null, buildMs: pristine.buildMs, startMs },

    async userDn(samName) {
      return (await findUser(samName, ['dn'])).dn;
    },
    sambaTool,
    async renameUser(samName, o) {
      const args = ['user', 'rename', samName];
      if (o.samAccountName != null) args.push(`--samaccountname=${o.samAccountName}`);
      if (o.upn != null) args.push(`--upn=${o.upn}`);
      if (o.cn != null) args.push(`--force-new-cn=${o.cn}`);
      if (o.givenName != null) args.push(`--given-name=${o.givenName}`);
      if (o.surname != null) args.push(`--surname=${o.surname}`);
      if (o.displayName != null) args.push(`--display-name=${o.displayName}`);
      if (o.mail != null) args.push(`--mail-address=${o.mail}`);
      await sambaTool(args);
    },
    async moveUser(samName, newParentDn) {
      await sambaTool(['user', 'move', samName, newParentDn]);
    },
    async disableUser(samName) {
      await sambaTool(['user', 'disable', samName]);
    },
    async enableUser(samName) {
      await sambaTool(['user', 'enable', samName]);
    },
    async setPassword(samName, password) {
      // samba-tool reads --newpassword only from argv; this is a throwaway test domain.
      await sambaTool(['user', 'setpassword', samName, `--newpassword=${password}`]).catch((e: Error) => {
        throw new Error(e.message.replaceAll(password, '***'));
      });
    },
    async ldapModify(ldif) {
      ensureRunning();
      if (!existsSync(adminPwFile)) await writeFile(adminPwFile, AD_ADMIN_PASSWORD, { mode: 0o600 });
      await run('ldapmodify', ['-x', '-H', ldapsUrl, '-D', handle.adminUpn, '-y', adminPwFile], {
        input: ldif,
        env: { ...process.env, LDAPTLS_CACERT: caCertPath, LDAPTLS_REQCERT: 'demand' },
      });
    },
    ldbSearch,
    async guidOf(samName, via = 'ldbsearch') {
      let text: string | undefined;
      if (via === 'ldbsearch') text = first(await findUser(samName, ['objectGUID']), 'objectGUID');
      else {
        const out = await sambaTool(['user', 'show', samName, '--attributes=objectGUID']);
        text = /^objectGUID: (\S+)$/m.exec(out)?.[1];
      }
      if (text == null) throw new Error(`no objectGUID for ${samName}`);
      return text.toLowerCase();
    },
    async userAccountControlOf(samName) {
      return Number(first(await findUser(samName, ['userAccountControl']), 'userAccountControl'));
    },
    async restart() {
      ensureRunning();
      await stopProcess();
      await materialize();
      running = await startProcess(dir, configPath, ip);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await stopProcess();
      } finally {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
        await release();
      }
    },
  };
  return handle;
}

/** Size of the pristine cache entry, for reports. */
export async function sambaCacheDir(users = DEFAULT_USERS): Promise<string | null> {
  const dir = join(cacheRoot(), `samba-${await cacheKey(users)}`);
  return (await stat(dir).catch(() => null)) ? dir : null;
}
