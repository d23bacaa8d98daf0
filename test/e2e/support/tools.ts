// Where the end-to-end suite finds its tools: code-server (installed and cached by
// scripts/setup-e2e-tools.sh), Chromium, and the packaged extension (built by scripts/package.sh,
// which `npm test` runs into .test-run/ before the tests start).

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
export const REPO_ROOT = resolve(__dirname, '../../..');

export function toolsDir(): string {
  return process.env.E2E_TOOLS_DIR ?? join(homedir(), '.cache/ldap-user-manager/e2e');
}

/** code-server's entry script; runs the setup script (a no-op when cached) if it is missing. */
export function codeServerEntry(): string {
  const install = join(toolsDir(), `code-server-${CODE_SERVER_VERSION}`);
  const entry = join(install, 'node_modules/code-server/out/node/entry.js');
  if (!existsSync(join(install, '.complete'))) {
    execFileSync('bash', [join(REPO_ROOT, 'scripts/setup-e2e-tools.sh')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 15 * 60_000 });
  }
  return entry;
}

export function chromiumPath(): string {
  const path = process.env.LDAPUM_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(`Chromium was not found at ${path}. Install it as root: apt-get install -y --no-install-recommends chromium`);
  }
  return path;
}

/**
 * The .vsix under test: the newest one in .test-run/ (what `npm test` packaged) when it is newer
 * than every source file, otherwise a fresh package built now into .test-run/.
 */
export function extensionVsix(): string {
  const dir = join(REPO_ROOT, '.test-run');
  const newest = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.vsix'))
        .map((f) => join(dir, f))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0]
    : undefined;
  if (newest !== undefined && statSync(newest).mtimeMs >= newestSourceMtime()) {
    return newest;
  }
  const out = execFileSync('bash', [join(REPO_ROOT, 'scripts/package.sh')], {
    cwd: REPO_ROOT,
    env: { ...process.env, LDAPUM_VSIX_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 5 * 60_000,
    encoding: 'utf8',
  });
  // package.sh leaves a production build in dist/; other tests expect the development build.
  execFileSync('node', ['esbuild.mjs'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
  return out.trim().replace(/ \d+ KiB$/, '');
}

function newestSourceMtime(): number {
  let newest = statSync(join(REPO_ROOT, 'package.json')).mtimeMs;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of ['extension', 'server', 'webview', 'protocol', 'resources']) walk(join(REPO_ROOT, dir));
  return newest;
}
