// The floor every figure is compared with: OpenLDAP's own `ldapsearch` paging the same entries
// (same server, same transport, same bind identity, same filter and attributes) to /dev/null.
// Timed from spawn to exit, so it pays for TLS and bind just as the backend's request does.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface LdapsearchQuery {
  url: string;
  caCertPath: string;
  bindDn: string;
  password: string;
  baseDn: string;
  filter: string;
  attributes: readonly string[];
  /** Paged-results page size (the realm's page size). */
  pageSize: number;
}

/** Runs one paged ldapsearch to /dev/null; resolves with the wall-clock milliseconds. */
export function timeLdapsearch(query: LdapsearchQuery, timeoutMs = 600_000): Promise<number> {
  const args = [
    '-x', '-LLL', '-o', 'ldif-wrap=no',
    '-H', query.url,
    '-D', query.bindDn,
    '-w', query.password,
    '-b', query.baseDn,
    '-s', 'sub',
    '-E', `pr=${query.pageSize}/noprompt`,
    query.filter,
    ...query.attributes,
  ];
  const devNull = openSync('/dev/null', 'w');
  return new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const child = spawn('ldapsearch', args, {
      stdio: ['ignore', devNull, 'pipe'],
      env: { ...process.env, LDAPTLS_CACERT: query.caCertPath, LDAPTLS_REQCERT: 'demand' },
    });
    closeSync(devNull);
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`ldapsearch could not start (${error.message}); install ldap-utils.`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`ldapsearch failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}
