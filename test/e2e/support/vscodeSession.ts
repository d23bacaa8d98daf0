// One end-to-end session: the packaged extension installed into a fresh code-server profile, a
// workspace folder, and a browser on the workbench; close() stops all of it. Suites call this in
// `before` and close() in `after`.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCodeServer, type CodeServer } from './codeServer';
import { extensionVsix } from './tools';
import { openBrowser, type Workbench } from './workbench';

/** The reason the real-VS-Code suites are skipped, or false when they run. */
export const e2eSkip: string | false =
  process.env.LDAPUM_SKIP_E2E === '1' ? 'LDAPUM_SKIP_E2E=1: the real-VS-Code suite is skipped (npm run test:fast)' : false;
if (e2eSkip) console.log(`# ${e2eSkip}`);

export interface VsCodeSessionOptions {
  /** Folder name for screenshots under test/e2e/artifacts. */
  suite: string;
  /** The workspace folder (a new temp folder, removed on close, when omitted). */
  workspaceDir?: string;
  settings?: Record<string, unknown>;
  trusted?: boolean;
  env?: NodeJS.ProcessEnv;
  /** A specific .vsix (default: the package under test, built if missing or stale). */
  vsixPath?: string;
}

export interface VsCodeSession {
  codeServer: CodeServer;
  wb: Workbench;
  workspaceDir: string;
  close(): Promise<void>;
}

export async function openVsCode(options: VsCodeSessionOptions): Promise<VsCodeSession> {
  const ownWorkspace = options.workspaceDir === undefined;
  const workspaceDir = options.workspaceDir ?? mkdtempSync(join(tmpdir(), 'ldapum-ws-'));
  let codeServer: CodeServer | undefined;
  let wb: Workbench | undefined;
  const close = async () => {
    await wb?.close();
    await codeServer?.stop();
    if (ownWorkspace && !process.env.LDAPUM_E2E_KEEP) rmSync(workspaceDir, { recursive: true, force: true });
  };
  try {
    codeServer = await startCodeServer({
      vsixPath: options.vsixPath ?? extensionVsix(),
      workspaceDir,
      settings: options.settings,
      trusted: options.trusted,
      env: options.env,
    });
    wb = await openBrowser(codeServer.url, { suite: options.suite });
  } catch (e) {
    await close();
    throw e;
  }
  return { codeServer, wb, workspaceDir, close };
}
