// The backend program: `node dist/server.js --stdio` (JSON-RPC over stdin/stdout) or `--node-ipc`
// (over the IPC channel of a forked process). stdout carries protocol messages only: logs go to
// stderr and `log/message`. The backend exits when its client goes away, releasing the write lock.
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageReader,
  type MessageWriter,
} from 'vscode-jsonrpc/node';
import { BackendContext } from './backendContext';
import { handlerModules } from './handlers';
import { loadSqlEngine } from './store/sqlEngine';

// Anything printed by a library must not corrupt the protocol stream.
console.log = console.error;
console.info = console.error;
console.debug = console.error;
console.warn = console.error;

function transport(): { reader: MessageReader; writer: MessageWriter; ipc: boolean } {
  const args = process.argv.slice(2);
  if (args.includes('--node-ipc')) {
    if (!process.send) {
      process.stderr.write('--node-ipc needs to be started with an IPC channel (child_process.fork).\n');
      process.exit(2);
    }
    return { reader: new IPCMessageReader(process), writer: new IPCMessageWriter(process), ipc: true };
  }
  if (!args.includes('--stdio')) {
    process.stderr.write('Usage: node dist/server.js --stdio | --node-ipc\n');
    process.exit(2);
  }
  return { reader: new StreamMessageReader(process.stdin), writer: new StreamMessageWriter(process.stdout), ipc: false };
}

const { reader, writer, ipc } = transport();
const connection = createMessageConnection(reader, writer, {
  error: (message) => process.stderr.write(`[jsonrpc] ${message}\n`),
  warn: (message) => process.stderr.write(`[jsonrpc] ${message}\n`),
  info: () => undefined,
  log: () => undefined,
});
const ctx = new BackendContext(connection);
for (const register of handlerModules) {
  register(ctx);
}

let exiting = false;
function exitBackend(code: number, why: string): void {
  if (exiting) {
    return;
  }
  exiting = true;
  process.stderr.write(`[backend] exiting: ${why}\n`);
  ctx.closeStore();
  process.exit(code);
}

process.on('exit', () => ctx.closeStore());
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => exitBackend(0, signal));
}
process.on('uncaughtException', (error) => {
  process.stderr.write(`[backend] uncaught exception: ${error.stack ?? error.message}\n`);
  exitBackend(1, 'uncaught exception');
});
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[backend] unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}\n`);
});

connection.onClose(() => exitBackend(ctx.isShuttingDown ? 0 : 1, 'the client closed the connection'));
if (ipc) {
  process.on('disconnect', () => exitBackend(ctx.isShuttingDown ? 0 : 1, 'the client disconnected'));
} else {
  process.stdin.on('end', () => exitBackend(ctx.isShuttingDown ? 0 : 1, 'stdin closed'));
}
connection.listen();
// Compile the SQLite wasm while the client is still getting ready, so `initialize` answers sooner.
loadSqlEngine().catch((error: Error) => process.stderr.write(`[backend] cannot load sql.js: ${error.message}\n`));
