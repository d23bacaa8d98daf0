// What a figure was measured on: the report is only comparable with a run on the same machine,
// versions and load, so all of it goes next to the numbers.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  slapd: string;
  ldapsearch: string;
  sqlJs: string;
  ldapts: string;
  commit: string;
}

function firstLine(command: string, args: string[]): string {
  // slapd -VV / ldapsearch -VV print their version on stderr.
  const run = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  const text = `${run.stdout ?? ''}\n${run.stderr ?? ''}`.split('\n').find((line) => line.trim() !== '') ?? 'unknown';
  return text.replace(/^.*\$OpenLDAP:\s*/, '').replace(/\s*\(.*$/, '').replace(/^@\(#\)\s*/, '').trim();
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(root: string): MachineInfo {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    slapd: firstLine('slapd', ['-VV']),
    ldapsearch: firstLine('ldapsearch', ['-VV']),
    sqlJs: packageVersion(root, 'sql.js'),
    ldapts: packageVersion(root, 'ldapts'),
    commit: firstLine('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  };
}

export function loadAverage(): number[] {
  return loadavg().map((n) => Math.round(n * 100) / 100);
}
