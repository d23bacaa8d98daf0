// The directory a bench size runs against: a throwaway slapd seeded with N regular users and
// indexed as a real deployment would be (eq + sub on uid, cn, mail; see scripts/directory/slapd.ts),
// the realm the backend gets for it, and the LDAP modifications the resync figures need.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RealmInput } from '../../protocol/model';
import { startSlapd, type SlapdHandle } from '../directory/slapd';
import { seedUser } from '../directory/seedUsers';

export const benchPageSize = 500;

export async function startBenchDirectory(users: number): Promise<SlapdHandle> {
  return startSlapd({ users, awkward: false, substringIndexes: true, readyTimeoutMs: 60_000 });
}

/** The realm as an admin would add it: OpenLDAP defaults, LDAPS, the read-only reader account. */
export function benchRealm(slapd: SlapdHandle): RealmInput {
  return {
    name: 'Bench OpenLDAP',
    kind: 'openldap',
    url: slapd.ldapsUrl,
    caCertPath: slapd.caCertPath,
    bindDn: slapd.readerDn,
    baseDn: slapd.peopleDn,
    pageSize: benchPageSize,
    connectTimeoutMs: 30_000,
    timeoutMs: 300_000,
  };
}

/** Runs ldapmodify as the rootdn with an LDIF file (large change sets do not fit the launcher's 30 s limit). */
export async function applyLdif(slapd: SlapdHandle, ldif: string, timeoutMs = 900_000): Promise<void> {
  const file = join(slapd.dir, `bench-${process.pid}-${Date.now()}.ldif`);
  await writeFile(file, ldif);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('ldapmodify', ['-x', '-c', '-H', slapd.ldapUrl, '-D', slapd.adminDn, '-w', slapd.adminPassword, '-f', file], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env },
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`ldapmodify failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/** LDIF changing the title of every tenth user (10 % of the directory) to a value unique to `run`. */
export function tenPercentChange(users: number, run: string): { ldif: string; changed: number } {
  const records: string[] = [];
  for (let index = 10; index <= users; index += 10) {
    records.push(`dn: ${seedUser(index).dn}\nchangetype: modify\nreplace: title\ntitle: Bench ${run} ${index}\n-\n`);
  }
  return { ldif: records.join('\n'), changed: records.length };
}

/** LDIF changing one user's telephone number (the one-user resync figure). */
export function oneUserChange(index: number, run: string): string {
  return `dn: ${seedUser(index).dn}\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: +1 555 ${run}\n-\n`;
}
