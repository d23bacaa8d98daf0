// Loads sql.js (SQLite compiled to wasm) once per process. The wasm file is read from beside the
// bundle (dist/sql-wasm.wasm, copied there by esbuild.mjs) or, when running from source via tsx,
// from node_modules. We pass the bytes as `wasmBinary` instead of `locateFile`, because sql.js'
// locateFile path breaks in Node versions that have a global fetch (reliability.md D8).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let engine: Promise<SqlJsStatic> | undefined;

function wasmPath(): string {
  const besideBundle = join(__dirname, 'sql-wasm.wasm');
  if (existsSync(besideBundle)) {
    return besideBundle;
  }
  // Running from source (tsx): server/store → node_modules at the repository root.
  const fromPackage = join(__dirname, '..', '..', 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
  if (existsSync(fromPackage)) {
    return fromPackage;
  }
  throw new Error(`sql-wasm.wasm not found beside ${__dirname} nor in node_modules/sql.js; rebuild with "npm run build".`);
}

export function loadSqlEngine(): Promise<SqlJsStatic> {
  if (!engine) {
    const wasm = readFileSync(wasmPath());
    const binary = wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer;
    engine = initSqlJs({ wasmBinary: binary });
    engine.catch(() => {
      engine = undefined;
    });
  }
  return engine;
}
