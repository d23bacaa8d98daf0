// `npm run demo`: a demo directory (slapd on loopback with ~2,000 plausible users in departments,
// some disabled, some with non-ASCII names), a demo workspace whose registry already knows that
// directory, and VS Code with the extension installed — code-server in your browser, or your
// local VS Code with --desktop. Prints where to go and the bind password; Ctrl+C stops it all.
//
//   node --import tsx scripts/demo/main.ts --vsix <file> [--desktop] [--port N] [--users N]
// (scripts/demo.sh installs what is missing, packages the extension and runs this.)

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startSlapd, type SlapdHandle } from '../directory/slapd';
import { startCodeServer, type CodeServer } from '../../test/e2e/support/codeServer';
import { saveRealmInRegistry } from './registrySeed';

const REPO_ROOT = resolve(__dirname, '../..');
const DEMO_DIR = resolve(process.env.LDAPUM_DEMO_DIR ?? join(REPO_ROOT, '.demo'));
const DEFAULT_PORT = 8080;

interface DemoArgs {
  vsix: string;
  desktop: boolean;
  port: number | undefined;
  users: number;
}

function parseArgs(argv: string[]): DemoArgs {
  const args: DemoArgs = { vsix: '', desktop: false, port: undefined, users: 2000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value.`);
      return v;
    };
    if (a === '--vsix') args.vsix = resolve(value());
    else if (a === '--desktop') args.desktop = true;
    else if (a === '--port') args.port = Number(value());
    else if (a === '--users') args.users = Number(value());
    else throw new Error(`Unknown option ${a}. Options: --desktop, --port N (0 = any free port), --users N.`);
  }
  if (!args.vsix) throw new Error('--vsix <file> is required (scripts/demo.sh passes it).');
  if (args.port !== undefined && !(Number.isInteger(args.port) && args.port >= 0 && args.port < 65536)) throw new Error('--port takes 0..65535.');
  if (!(Number.isInteger(args.users) && args.users >= 10)) throw new Error('--users takes a whole number of at least 10.');
  return args;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const srv = createServer();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

function localVsCode(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v code'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  let slapd: SlapdHandle | undefined;
  let codeServer: CodeServer | undefined;
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (slapd || codeServer) console.log('\n# stopping the demo');
    await codeServer?.stop().catch(() => {});
    await slapd?.stop().catch(() => {});
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  process.on('SIGHUP', () => void stopAll(0));

  try {
    const code = args.desktop ? localVsCode() : undefined;
    if (args.desktop && !code) {
      throw new Error('--desktop needs the `code` command of a local VS Code on PATH (VS Code: "Shell Command: Install \'code\' command in PATH"). Without --desktop the demo serves VS Code in the browser.');
    }

    console.log(`# starting the demo directory (${args.users.toLocaleString('en-US')} users)`);
    slapd = await startSlapd({ users: args.users });

    const workspaceDir = join(DEMO_DIR, 'workspace');
    rmSync(workspaceDir, { recursive: true, force: true });
    mkdirSync(join(workspaceDir, '.vscode'), { recursive: true });
    writeFileSync(join(workspaceDir, 'README.md'), demoReadme(slapd));
    await saveRealmInRegistry(REPO_ROOT, join(workspaceDir, '.vscode/ldap-users.sqlite'), {
      name: 'Demo directory',
      kind: 'openldap',
      url: slapd.ldapsUrl,
      caCertPath: slapd.caCertPath,
      bindDn: slapd.readerDn,
      baseDn: slapd.peopleDn,
      scope: 'sub',
      enabled: true,
    });

    let where: string;
    if (code) {
      console.log('# installing the extension into your VS Code');
      const install = spawnSync(code, ['--install-extension', args.vsix, '--force'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      if (install.status !== 0) throw new Error(`\`code --install-extension\` failed: ${install.stderr || install.stdout}`);
      const opened = spawn(code, ['--new-window', workspaceDir], { stdio: 'ignore', detached: true });
      opened.on('error', () => {});
      opened.unref();
      where = `your VS Code, folder ${workspaceDir}`;
    } else {
      let port = args.port;
      if (port === undefined) port = (await portIsFree(DEFAULT_PORT)) ? DEFAULT_PORT : 0;
      console.log('# starting VS Code (code-server) with the extension');
      codeServer = await startCodeServer({ vsixPath: args.vsix, workspaceDir, port });
      where = codeServer.url;
      const cs = codeServer;
      // code-server leaving on its own ends the demo (the directory is of no use without it).
      void cs.exited.then(async () => {
        if (!stopping) {
          console.error(`code-server stopped unexpectedly; its log: ${cs.logPath}`);
          await stopAll(1);
        }
      });
    }

    console.log(`
LDAP User Manager demo (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)
  VS Code:        ${where}
  Directory:      ${slapd.ldapsUrl}  (${slapd.users.length.toLocaleString('en-US')} users under ${slapd.peopleDn})
  Bind DN:        ${slapd.readerDn}
  Bind password:  ${slapd.readerPassword}
                  (VS Code asks for it the first time the directory is used)
  Try:            LDAP Users in the activity bar → Import Users… → type "maria" → Search →
                  tick a user → Import/Resync… → Import
Press Ctrl+C to stop the demo.`);
  } catch (e) {
    console.error(`The demo could not start: ${(e as Error).message}`);
    await stopAll(1);
  }
}

function demoReadme(slapd: SlapdHandle): string {
  return `# LDAP User Manager demo workspace

This folder was made by \`npm run demo\` and is recreated on every run. Its user registry
(\`.vscode/ldap-users.sqlite\`) already knows the demo directory:

- URL: ${slapd.ldapsUrl} (a throwaway OpenLDAP server with its own CA)
- Users: under ${slapd.peopleDn}, one organizational unit per department; some are disabled
  (ou=Disabled), a few have non-ASCII names (Zoë Müller, 王小明, Rita 🚀 Rocket).
- Bind DN: ${slapd.readerDn}

Open **LDAP Users** in the activity bar and choose **Import Users…**.
`;
}

void main();
