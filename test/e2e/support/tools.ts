// Where the end-to-end suite finds its tools: code-server (installed and cached by
// scripts/setup-e2e-tools.sh), Chromium, and the packaged extension (built by scripts/package.sh,
// which `npm test` runs into .test-run/ before the tests start).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

// Under a lock, because every e2e file asks at once: packages into .test-run/ unless the newest
// .vsix there is newer than every source file, then prints the .vsix path.
const PACKAGE_IF_STALE = `
set -euo pipefail
mkdir -p .test-run
exec 9>.test-run/.package.lock
flock -w 600 9
vsix=$(ls -t .test-run/*.vsix 2>/dev/null | head -n 1 || true)
if [ -z "$vsix" ] || [ -n "$(find extension server webview protocol resources package.json esbuild.mjs -newer "$vsix" -print -quit 2>/dev/null)" ]; then
  out=$(LDAPUM_VSIX_DIR="$PWD/.test-run" bash scripts/package.sh)
  vsix=\${out% * KiB}
  node esbuild.mjs # package.sh leaves a production build; the other tests expect the development one
fi
printf '%s' "$vsix"
`;

/**
 * The .vsix under test: the newest one in .test-run/ (what `npm test` packaged) when it is newer
 * than every source file, otherwise a fresh package built now into .test-run/.
 */
export function extensionVsix(): string {
  const vsix = execFileSync('bash', ['-c', PACKAGE_IF_STALE], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 11 * 60_000,
    encoding: 'utf8',
  }).trim();
  return resolve(REPO_ROOT, vsix);
}
