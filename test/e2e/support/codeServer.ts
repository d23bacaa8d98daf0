// A real VS Code (code-server 4.100.3, VS Code 1.100.3) for the end-to-end suite: a fresh profile
// (user data and extensions folders) per start, the extension under test installed from its
// .vsix, no welcome page, telemetry or update checks, listening on a random loopback port.

import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerEntry } from './tools';
import { spawnGroup, waitFor, type GroupProcess } from './processTree';

export interface CodeServerOptions {
  /** The extension to install into the fresh profile (omit to run plain VS Code). */
  vsixPath?: string;
  /** The folder VS Code opens. */
  workspaceDir: string;
  /** Profile folder; a new temp folder (removed on stop) when omitted. */
  userDataDir?: string;
  /** User settings merged over the suite's defaults. */
  settings?: Record<string, unknown>;
  /** Workspace trust: true (default) starts with --disable-workspace-trust, false keeps Restricted Mode available. */
  trusted?: boolean;
  /** Extra environment for code-server and the extension host (and so the backend). */
  env?: NodeJS.ProcessEnv;
  /** Loopback port to listen on (default: a random free one). */
  port?: number;
}

export interface CodeServer {
  /** The workbench URL with the workspace folder open. */
  url: string;
  port: number;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's own output (the extension host's logs are under userDataDir/logs). */
  logPath: string;
  /** Resolves when code-server exits (on its own or by stop()). */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Settings that keep the workbench quiet and deterministic for a test. */
export const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'editor.accessibilitySupport': 'off',
  'files.hotExit': 'off',
  'window.confirmBeforeClose': 'never',
  'notifications.position': 'bottom-right',
};

const START_TIMEOUT_MS = 30_000;

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const entry = codeServerEntry();
  const ownProfile = options.userDataDir === undefined;
  const root = mkdtempSync(join(tmpdir(), 'ldapum-cs-'));
  const userDataDir = options.userDataDir ?? join(root, 'data');
  const extensionsDir = join(root, 'extensions');
  const configPath = join(root, 'config.yaml');
  const logPath = join(root, 'code-server.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
  // Our own config file: code-server would otherwise write one with a password into ~/.config.
  const bindAddr = `127.0.0.1:${options.port ?? 0}`;
  writeFileSync(configPath, `bind-addr: ${bindAddr}\nauth: none\ncert: false\n`);

  // Nothing inherited from a VS Code or code-server this test may be running in: with
  // VSCODE_IPC_HOOK_CLI set, code-server hands the folder to that instance and exits.
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(VSCODE_|CODE_SERVER_|ELECTRON_)/.test(k)),
  );
  const env: NodeJS.ProcessEnv = { ...inherited, NO_PROXY: '127.0.0.1,localhost', ...options.env };
  const common = ['--config', configPath, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  const removeRoot = () => {
    if (ownProfile && !process.env.LDAPUM_E2E_KEEP) rmSync(root, { recursive: true, force: true });
  };
  if (options.vsixPath !== undefined) {
    try {
      await installExtension(entry, [...common, '--install-extension', options.vsixPath], env, join(root, 'install.log'));
    } catch (e) {
      removeRoot();
      throw e;
    }
  }

  const args = [
    entry,
    ...common,
    '--auth', 'none',
    '--bind-addr', bindAddr,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--disable-file-downloads',
    '--session-socket', join(root, 'session.sock'),
    ...(options.trusted === false ? [] : ['--disable-workspace-trust']),
    options.workspaceDir,
  ];
  const proc = spawnGroup(process.execPath, args, { env, logPath, cleanupDir: ownProfile && !process.env.LDAPUM_E2E_KEEP ? root : undefined });
  let port = 0;
  try {
    const started = await waitFor(() => {
      const m = /HTTP server listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(readFileSync(logPath, 'utf8'));
      if (m) port = Number(m[1]);
      return port > 0 || proc.child.exitCode !== null;
    }, START_TIMEOUT_MS);
    if (!started || port === 0) {
      throw new Error(`code-server did not start within ${START_TIMEOUT_MS / 1000} s. Its output:\n${tail(logPath)}`);
    }
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, START_TIMEOUT_MS, proc);
  } catch (e) {
    await proc.stop();
    removeRoot();
    throw e;
  }

  return {
    url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(options.workspaceDir)}`,
    port,
    userDataDir,
    extensionsDir,
    logPath,
    exited: proc.exited,
    async stop() {
      await proc.stop();
      removeRoot();
    },
  };
}

async function installExtension(entry: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [entry, ...args], { env, timeout: 90_000, killSignal: 'SIGKILL', maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      writeFileSync(logPath, `${stdout}\n${stderr}`);
      const out = `${stdout}\n${stderr}`;
      if (err || !/was successfully installed/.test(out)) {
        reject(new Error(`Installing the extension into code-server failed (${err?.message ?? 'no success message'}):\n${out.slice(-2000)}`));
      } else {
        resolve();
      }
    }).stdin?.end();
  });
}

async function waitForHttp(url: string, timeoutMs: number, proc: GroupProcess): Promise<void> {
  const ok = await waitFor(async () => {
    if (proc.child.exitCode !== null) return true;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }, timeoutMs, 100);
  if (!ok || proc.child.exitCode !== null) {
    throw new Error(`code-server is not answering on ${url}. Its output:\n${tail(proc.logPath)}`);
  }
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
