// Throwaway PKI for the test directories, made with the openssl CLI: a CA, a server certificate
// it signs (SAN DNS:localhost, IP:127.0.0.1), and the bad certificates TLS tests need (an
// impostor with the same names but another key, an expired one). ECDSA P-256 keys: generation
// takes milliseconds, unlike RSA. Keys are mode 0600 (Samba refuses anything wider).

import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair {
  certPath: string;
  keyPath: string;
}

export interface TestPki {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  /** Server certificate signed by the CA, SAN DNS:localhost (+ extraDnsNames), IP:127.0.0.1. */
  server: CertPair;
  /** Names the server certificate carries (subjectAltName value). */
  subjectAltName: string;
  /** Removes the directory. */
  dispose(): Promise<void>;
}

export interface PkiOptions {
  /** Parent of the new temp dir (default os.tmpdir()). */
  parentDir?: string;
  /** Extra DNS names for the server certificate (e.g. 'dc1.example.test'). */
  extraDnsNames?: string[];
  /** Extra IP addresses for the server certificate (e.g. '127.0.0.2'). */
  extraIps?: string[];
}

const OPENSSL_TIMEOUT_MS = 20_000;
const CA_SUBJECT = '/CN=Throwaway Test LDAP CA';

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS, killSignal: 'SIGKILL' }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args[0]} failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function serverExtensions(subjectAltName: string): string {
  return [
    `subjectAltName=${subjectAltName}`,
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    '',
  ].join('\n');
}

async function selfSignedCa(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  await openssl(
    ['req', '-x509', ...EC_KEY, '-days', '3650', '-subj', CA_SUBJECT, '-keyout', key, '-out', cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    dir,
  );
  await chmod(key, 0o600);
  return { cert, key };
}

async function serverRequest(dir: string, name: string): Promise<{ csr: string; key: string }> {
  const csr = join(dir, `${name}.csr`);
  const key = join(dir, `${name}.key`);
  await openssl(['req', ...EC_KEY, '-subj', '/CN=localhost', '-keyout', key, '-out', csr], dir);
  await chmod(key, 0o600);
  return { csr, key };
}

/** Creates a fresh CA and a server certificate in a new temp dir. ~50 ms. */
export async function makeTestPki(opts: PkiOptions = {}): Promise<TestPki> {
  const dir = await mkdtemp(join(opts.parentDir ?? tmpdir(), 'ldapum-pki-'));
  try {
    const subjectAltName = [
      'DNS:localhost', ...(opts.extraDnsNames ?? []).map((n) => `DNS:${n}`),
      'IP:127.0.0.1', ...(opts.extraIps ?? []).map((ip) => `IP:${ip}`),
    ].join(',');
    const ca = await selfSignedCa(dir, 'ca');
    const req = await serverRequest(dir, 'server');
    const ext = join(dir, 'server.ext');
    await writeFile(ext, serverExtensions(subjectAltName));
    const cert = join(dir, 'server.pem');
    await openssl(
      ['x509', '-req', '-in', req.csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '825',
        '-sha256', '-extfile', ext, '-out', cert],
      dir,
    );
    return {
      dir,
      caCertPath: ca.cert,
      caKeyPath: ca.key,
      server: { certPath: cert, keyPath: req.key },
      subjectAltName,
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/**
 * A self-signed server certificate with exactly the real server's names but its own key: a client
 * that verifies against the real CA must refuse it.
 */
export async function makeImpostorCert(pki: TestPki, name = 'impostor'): Promise<CertPair> {
  const dir = join(pki.dir, name);
  await mkdir(dir, { recursive: true });
  const certPath = join(dir, 'server.pem');
  const keyPath = join(dir, 'server.key');
  await openssl(
    ['req', '-x509', ...EC_KEY, '-days', '825', '-subj', '/CN=localhost', '-keyout', keyPath, '-out', certPath,
      '-addext', `subjectAltName=${pki.subjectAltName}`, '-addext', 'basicConstraints=CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth'],
    dir,
  );
  await chmod(keyPath, 0o600);
  return { certPath, keyPath };
}

/**
 * A different CA that has the same subject DN as the real one, and a server certificate it signed
 * with the real names: "right names, wrong issuer key". Returns the look-alike CA too.
 */
export async function makeLookalikeCaCert(pki: TestPki, name = 'lookalike'): Promise<CertPair & { caCertPath: string }> {
  const dir = join(pki.dir, name);
  await mkdir(dir, { recursive: true });
  const ca = await selfSignedCa(dir, 'ca');
  const req = await serverRequest(dir, 'server');
  const ext = join(dir, 'server.ext');
  await writeFile(ext, serverExtensions(pki.subjectAltName));
  const certPath = join(dir, 'server.pem');
  await openssl(
    ['x509', '-req', '-in', req.csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '825',
      '-sha256', '-extfile', ext, '-out', certPath],
    dir,
  );
  return { certPath, keyPath: req.key, caCertPath: ca.cert };
}

/** A server certificate signed by the real CA, with the real names, valid only in January 2020. */
export async function makeExpiredCert(pki: TestPki, name = 'expired'): Promise<CertPair> {
  const dir = join(pki.dir, name);
  await mkdir(join(dir, 'db'), { recursive: true });
  await writeFile(join(dir, 'db', 'index.txt'), '');
  // `openssl x509 -req` (3.0) cannot set notBefore, `openssl ca` can: minimal config for it.
  const cnf = join(dir, 'ca.cnf');
  await writeFile(
    cnf,
    ['[ca]', 'default_ca = throwaway', '[throwaway]', 'database = db/index.txt', 'new_certs_dir = db',
      'serial = db/serial', 'default_md = sha256', 'policy = anything', 'copy_extensions = none', 'unique_subject = no',
      '[anything]', 'commonName = supplied', ''].join('\n'),
  );
  const req = await serverRequest(dir, 'server');
  const ext = join(dir, 'server.ext');
  await writeFile(ext, serverExtensions(pki.subjectAltName));
  const certPath = join(dir, 'server.pem');
  await openssl(
    ['ca', '-batch', '-config', cnf, '-cert', pki.caCertPath, '-keyfile', pki.caKeyPath, '-rand_serial',
      '-startdate', '20200101000000Z', '-enddate', '20200201000000Z', '-extfile', ext, '-in', req.csr,
      '-out', certPath, '-notext'],
    dir,
  );
  return { certPath, keyPath: req.key };
}
