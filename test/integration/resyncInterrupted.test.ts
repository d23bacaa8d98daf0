// A realm/resync whose directory read is cut short — server frozen (timeout), bounced (binding
// lost), or stopped — must apply nothing: an error, a byte-identical database file, and no user
// marked missing. 3,000 users read in pages of 25, so the read is surely in the middle when the
// directory goes away.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OperationProgressNotification, RealmResync, StoreDidChange, UserImport } from '../../protocol/rpc';
import { seedUser } from '../../scripts/directory/seedUsers';
import { fileBytes, queryFile, startDirectoryFixture, stopDirectoryFixture, type DirectoryFixture } from './importFixture';

const USERS = 3000;

describe('realm/resync interrupted mid-read', () => {
  let fx: DirectoryFixture;
  let run = 0;

  before(async () => {
    fx = await startDirectoryFixture({ users: USERS }, { pageSize: 25, timeoutMs: 2000 });
    const entries = Array.from({ length: USERS }, (_, i) => ({ username: seedUser(i + 1).uid }));
    const report = await fx.backend.request(UserImport, { realmId: fx.realm.id, entries });
    assert.equal(report.created, USERS);
  });
  after(() => stopDirectoryFixture(fx));

  /** Starts a resync, waits until pages are flowing, then does `interrupt` to the directory. */
  async function interruptedResync(interrupt: () => Promise<void>): Promise<{ code: number; message: string }> {
    const { backend, realm } = fx;
    const operationId = `interrupted-${++run}`;
    const bytes = fileBytes(backend.databasePath);
    const changes = backend.notifications(StoreDidChange).length;
    // Settled into a value at once: the rejection may come while `interrupt` is still running.
    const running = backend.request(RealmResync, { realmId: realm.id, operationId }).then(
      (report) => ({ report }),
      (error: { code: number; message: string }) => ({ error }),
    );
    const progress = await backend.waitForNotification(OperationProgressNotification, (p) => p.operationId === operationId && p.done > 0, 30_000);
    assert.ok(progress.done < USERS, `the read is still under way (${progress.done} of ${USERS})`);
    await interrupt();
    const outcome = await running;
    if (!('error' in outcome)) assert.fail(`the resync succeeded after the directory went away: ${JSON.stringify(outcome.report).slice(0, 200)}`);
    const error = outcome.error;
    assert.ok(fileBytes(backend.databasePath).equals(bytes), 'the database file is byte-identical');
    assert.equal(backend.notifications(StoreDidChange).length, changes, 'no store/didChange');
    const missing = await queryFile(backend.databasePath, 'SELECT count(*) AS n FROM users WHERE missing_since IS NOT NULL');
    assert.equal(missing[0].n, 0, 'nobody is marked missing');
    return error;
  }

  test('directory frozen (SIGSTOP) → timeout error, nothing applied', async () => {
    const error = await interruptedResync(() => fx.slapd.pause());
    await fx.slapd.resume();
    assert.equal(error.code, 1104, error.message);
  });

  test('directory restarted mid-read (binding lost) → error, nothing applied', async () => {
    const error = await interruptedResync(async () => {
      await fx.slapd.pause();
      await fx.slapd.restart();
    });
    assert.ok([1101, 1103, 1104].includes(error.code), `${error.code}: ${error.message}`);
    // The directory is back: a full resync now finds everyone.
    const report = await fx.backend.request(RealmResync, { realmId: fx.realm.id });
    assert.deepEqual([report.unchanged, report.missing], [USERS, 0]);
  });

  test('directory stopped mid-read → error, nothing applied', async () => {
    const error = await interruptedResync(async () => {
      await fx.slapd.pause();
      await fx.slapd.stop();
    });
    assert.ok([1101, 1104].includes(error.code), `${error.code}: ${error.message}`);
    assert.match(error.message, /Test OpenLDAP/);
  });
});
