// The change journal on real sql.js and real files: row changes captured by the update hook and
// replayed onto the base give exactly the same tables (cascades, unique-name swaps, AUTOINCREMENT
// counters, blobs); a torn or corrupted tail is ignored by checksum and cut off on reopen; a
// journal of another base (the state after a fold whose journal removal never happened) is ignored.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Database } from 'sql.js';
import {
  ChangeCollector,
  ChangeJournal,
  fingerprintOf,
  journalPathOf,
  readJournal,
  replayRecords,
  type JournalRecord,
} from '../../server/store/changeJournal';
import { migrate } from '../../server/store/migrations';
import { loadSqlEngine } from '../../server/store/sqlEngine';

const root = mkdtempSync(join(tmpdir(), 'ldapum-journal-unit-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const newPath = () => join(root, `case-${++counter}.sqlite`);

function dump(db: Database): string {
  const tables = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0].values.map((r) => String(r[0]));
  return JSON.stringify(tables.map((t) => [t, db.exec(`SELECT rowid, * FROM "${t}" ORDER BY rowid`)[0]?.values ?? []]));
}

/** A database with the real schema, a collector on its update hook, and a way to commit + record. */
async function journaledDatabase() {
  const SQL = await loadSqlEngine();
  const db = new SQL.Database();
  migrate(db);
  db.run('PRAGMA foreign_keys = ON');
  db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB)');
  const base = db.export();
  db.run('PRAGMA foreign_keys = ON');
  const collector = new ChangeCollector(100_000);
  db.updateHook(collector.onChange);
  const commit = (sql: string, params: (string | number | Uint8Array | null)[][] = []): JournalRecord => {
    collector.reset();
    db.run('BEGIN');
    const statements = sql.split(';').map((s) => s.trim()).filter(Boolean);
    statements.forEach((s, i) => db.run(s, params[i] ?? []));
    db.run('COMMIT');
    return collector.record(db);
  };
  return { SQL, db, base, collector, commit };
}

const user = (name: string) =>
  `INSERT INTO users (username, category, display_name, created_at, updated_at) VALUES ('${name}', 'internal', '${name}', 'now', 'now')`;

describe('change journal', () => {
  test('replaying the records onto the base gives the same tables as the live database', async () => {
    const { SQL, db, base, commit } = await journaledDatabase();
    const path = newPath();
    writeFileSync(path, base);
    const journal = ChangeJournal.create(path, fingerprintOf(base));
    const records = [
      commit(`${user('alice')}; ${user('bob')}; ${user('carol')}`),
      commit("INSERT INTO role_assignments (user_id, role_id, scope) VALUES (1, 1, ''); INSERT INTO role_assignments (user_id, role_id, scope) VALUES (2, 2, 'p')"),
      // A swap of unique usernames through a temporary name: replay must not trip the UNIQUE index.
      commit("UPDATE users SET username = 'tmp' WHERE id = 1; UPDATE users SET username = 'alice' WHERE id = 2; UPDATE users SET username = 'bob' WHERE id = 1"),
      // A cascade: deleting a user removes its role assignments.
      commit('DELETE FROM users WHERE id = 1'),
      // Inserted and deleted in one write: the AUTOINCREMENT counter must still move past it.
      commit('INSERT INTO blobs (data) VALUES (NULL); DELETE FROM blobs WHERE id = 1'),
      commit('INSERT INTO blobs (data) VALUES (?)', [[new Uint8Array([0, 255, 1, 128])]]),
    ];
    for (const record of records) journal.append(record);
    journal.close();
    assert.ok(records[3].tables.some((t) => t.table === 'role_assignments'), 'the cascaded delete was captured');

    const contents = readJournal(journalPathOf(path), fingerprintOf(readFileSync(path)))!;
    assert.equal(contents.matchesBase, true);
    assert.equal(contents.records.length, records.length);
    const replayed = new SQL.Database(readFileSync(path));
    replayRecords(replayed, contents.records);
    assert.equal(dump(replayed), dump(db));
    // The next id is the same in both: no id is ever handed out twice.
    for (const target of [replayed, db]) target.run('INSERT INTO blobs (data) VALUES (NULL)');
    assert.equal(dump(replayed), dump(db));
    assert.deepEqual(replayed.exec('SELECT id FROM blobs ORDER BY id')[0].values.flat(), [2, 3]);
  });

  test('a torn tail is ignored by length and checksum, cut off on reopen, and overwritten by the next append', async () => {
    const { base, commit } = await journaledDatabase();
    const path = newPath();
    writeFileSync(path, base);
    const journal = ChangeJournal.create(path, fingerprintOf(base));
    journal.append(commit(user('one')));
    const afterFirst = journal.size;
    journal.append(commit(user('two')));
    const afterSecond = journal.size;
    journal.append(commit(user('three')));
    journal.close();
    const fingerprint = fingerprintOf(base);
    const file = journalPathOf(path);

    truncateSync(file, afterSecond + 5); // crash in the middle of the third append
    let contents = readJournal(file, fingerprint)!;
    assert.deepEqual([contents.records.length, contents.validEnd, contents.fileBytes], [2, afterSecond, afterSecond + 5]);

    const bytes = readFileSync(file);
    bytes[afterFirst + 20] ^= 0xff; // a flipped byte inside the second record's payload
    writeFileSync(file, bytes);
    contents = readJournal(file, fingerprint)!;
    assert.deepEqual([contents.records.length, contents.validEnd], [1, afterFirst]);

    const reopened = ChangeJournal.reopen(path, contents);
    assert.equal(statSync(file).size, afterFirst, 'the invalid tail is cut off');
    reopened.append(commit(user('four')));
    reopened.close();
    contents = readJournal(file, fingerprint)!;
    assert.equal(contents.records.length, 2);
    assert.equal(contents.records[1].tables[0].rows[0][1]?.[1], 'four');

    appendFileSync(file, Buffer.from([1, 2, 3])); // garbage shorter than a record prefix
    assert.equal(readJournal(file, fingerprint)!.records.length, 2);
  });

  test('a journal of another base is ignored (a fold renamed the new base but never removed the journal)', async () => {
    const { SQL, db, base, commit } = await journaledDatabase();
    const path = newPath();
    writeFileSync(path, base);
    const journal = ChangeJournal.create(path, fingerprintOf(base));
    journal.append(commit(user('kept')));
    journal.close();
    // The fold: the full image with every record in it replaces the base; then the crash.
    const folded = db.export();
    writeFileSync(path, folded);
    const contents = readJournal(journalPathOf(path), fingerprintOf(folded))!;
    assert.equal(contents.matchesBase, false);
    assert.equal(contents.records.length, 0);
    const reopened = new SQL.Database(readFileSync(path));
    assert.equal(reopened.exec("SELECT count(*) FROM users WHERE username = 'kept'")[0].values[0][0], 1);
    // No journal at all, a foreign file, and a damaged header read as "nothing to replay".
    assert.equal(readJournal(join(root, 'missing.journal'), fingerprintOf(folded)), undefined);
    writeFileSync(journalPathOf(path), 'not a journal');
    assert.equal(readJournal(journalPathOf(path), fingerprintOf(base))!.matchesBase, false);
  });

  test('changes the update hook cannot see are detected: the hook reports fewer rows than SQLite counted', async () => {
    const { db, collector, commit } = await journaledDatabase();
    commit(`${user('a')}; ${user('b')}`);
    collector.reset();
    const before = Number(db.exec('SELECT total_changes()')[0].values[0][0]);
    db.run('BEGIN');
    db.run('DELETE FROM role_assignments');
    db.run(`${user('c')}`);
    db.run('DELETE FROM blobs'); // the truncate optimization: no hook call
    db.run('INSERT INTO blobs (data) VALUES (NULL)');
    db.run('DELETE FROM blobs');
    db.run('COMMIT');
    const counted = Number(db.exec('SELECT total_changes()')[0].values[0][0]) - before;
    assert.ok(collector.reported < counted, `hook saw ${collector.reported}, SQLite counted ${counted}`);
  });

  test('past its row limit the collector gives up (the write is saved in full instead)', async () => {
    const { db } = await journaledDatabase();
    const collector = new ChangeCollector(3);
    db.updateHook(collector.onChange);
    db.run('BEGIN');
    for (const name of ['a', 'b', 'c', 'd']) db.run(user(name));
    db.run('COMMIT');
    assert.equal(collector.tooLarge, true);
  });
});
