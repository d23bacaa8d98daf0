// A 2,000-user import in one request: progress notifications while it runs, a cancel half-way
// through writes nothing (file byte-identical), the full run creates every user in one
// transaction, and running it again reports 0 created / 0 updated without touching the file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import { OperationProgressNotification, RealmResync, StoreDidChange, UserImport } from '../../protocol/rpc';
import { seedUser } from '../../scripts/directory/seedUsers';
import { fileBytes, queryFile, rejectsWithCode, startDirectoryFixture, stopDirectoryFixture, type DirectoryFixture } from './importFixture';

const USERS = 2000;
const requestCancelled = -32800;

describe('bulk import of 2,000 users', () => {
  let fx: DirectoryFixture;
  const entries = Array.from({ length: USERS }, (_, i) => ({ username: seedUser(i + 1).uid }));

  // Small pages so that the read spans many round trips and a cancel lands in the middle of it.
  before(async () => {
    fx = await startDirectoryFixture({ users: USERS }, { pageSize: 25 });
  });
  after(() => stopDirectoryFixture(fx));

  test('cancelled half-way: RequestCancelled, nothing written, file byte-identical', async () => {
    const { backend, realm, slapd } = fx;
    const bytes = fileBytes(backend.databasePath);
    const changes = backend.notifications(StoreDidChange).length;
    const source = new CancellationTokenSource();
    const running = backend.request(UserImport, { realmId: realm.id, entries, operationId: 'cancel-me' }, { token: source.token });
    running.catch(() => undefined); // checked below; may settle while the directory is being frozen
    // Once the read is under way, freeze the directory so the cancel surely arrives mid-read.
    await backend.waitForNotification(OperationProgressNotification, (p) => p.operationId === 'cancel-me' && p.done > 0, 30_000);
    await slapd.pause();
    try {
      source.cancel();
      await rejectsWithCode(running, requestCancelled);
    } finally {
      await slapd.resume();
    }
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'a cancelled import leaves the file byte-identical');
    assert.equal(backend.notifications(StoreDidChange).length, changes, 'no store/didChange for a cancelled import');
    const rows = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM users');
    assert.equal(rows[0].n, 0);
  });

  test('a second import or resync of the realm while one runs is refused (1301), the first completes', async () => {
    const { backend, realm, slapd } = fx;
    const first = backend.request(UserImport, { realmId: realm.id, entries, dryRun: true, operationId: 'first' });
    first.catch(() => undefined);
    await backend.waitForNotification(OperationProgressNotification, (p) => p.operationId === 'first' && p.done > 0, 30_000);
    await slapd.pause();
    try {
      const err = await rejectsWithCode(backend.request(UserImport, { realmId: realm.id, entries: entries.slice(0, 3) }), ErrorCodes.conflict);
      assert.match(err.message, /still running/);
      await rejectsWithCode(backend.request(RealmResync, { realmId: realm.id }), ErrorCodes.conflict);
    } finally {
      await slapd.resume();
    }
    const report = await first;
    assert.equal(report.created, USERS);
  });

  test('the full import creates every user in one request, with progress, and is idempotent', async (t) => {
    const { backend, realm } = fx;
    const started = performance.now();
    const report = await backend.request(UserImport, { realmId: realm.id, entries, roles: [{ name: 'Viewer' }], operationId: 'all' });
    const ms = performance.now() - started;
    t.diagnostic(`import of ${USERS} users (page size 25): ${ms.toFixed(0)} ms`);
    assert.deepEqual([report.created, report.updated, report.conflicts, report.failed.length], [USERS, 0, 0, 0]);
    const progress = backend.notifications(OperationProgressNotification).filter((p) => p.operationId === 'all');
    assert.ok(progress.length >= 2, `progress notifications (${progress.length})`);
    assert.ok(progress.some((p) => p.done > 0 && p.done < USERS), 'progress reported part-way');
    assert.equal(progress.at(-1)!.done, progress.at(-1)!.total);
    const rows = await queryFile(
      backend.databasePath,
      `SELECT count(*) AS n, count(DISTINCT ldap_uuid) AS uuids, sum(category = 'external') AS external FROM users`,
    );
    assert.deepEqual([rows[0].n, rows[0].uuids, rows[0].external], [USERS, USERS, USERS]);
    const assignments = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM role_assignments');
    assert.equal(assignments[0].n, USERS);
    const audit = await queryFile(backend.databasePath, `SELECT count(*) AS n FROM audit WHERE action = 'user.import'`);
    assert.equal(audit[0].n, USERS);

    const bytes = fileBytes(backend.databasePath);
    const again = await backend.request(UserImport, { realmId: realm.id, entries });
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, USERS]);
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'importing the same selection twice writes nothing');
  });
});
