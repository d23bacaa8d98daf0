// Bundles the three programs: the backend (Node), the extension host (Node, `vscode` external)
// and the webview pages (browser). Entry points that do not exist yet are skipped so the build
// works while parts of the product are still being written.
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  keepNames: true,
  logLevel: 'warning',
  legalComments: 'none',
};

const builds = [];
if (existsSync('server/main.ts')) {
  builds.push({
    ...common,
    entryPoints: { server: 'server/main.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
  });
}
if (existsSync('extension/main.ts')) {
  builds.push({
    ...common,
    entryPoints: { extension: 'extension/main.ts' },
    outdir: 'dist',
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
  });
}
const pages = existsSync('webview')
  ? readdirSync('webview', { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join('webview', d.name, 'main.ts')))
      .map((d) => d.name)
  : [];
if (pages.length > 0) {
  builds.push({
    ...common,
    entryPoints: Object.fromEntries(pages.map((p) => [p, join('webview', p, 'main.ts')])),
    outdir: 'dist/webview',
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
  });
}

mkdirSync('dist', { recursive: true });
// Copy then rename: a backend starting during a rebuild never reads a half-written wasm file.
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', `dist/sql-wasm.wasm.${process.pid}.tmp`);
renameSync(`dist/sql-wasm.wasm.${process.pid}.tmp`, 'dist/sql-wasm.wasm');
if (pages.length > 0) {
  mkdirSync('dist/webview', { recursive: true });
  for (const css of readdirSync('webview/common').filter((f) => f.endsWith('.css'))) {
    copyFileSync(join('webview/common', css), join('dist/webview', css));
  }
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
