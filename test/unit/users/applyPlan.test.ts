import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from 'sql.js';
import { loadSqlEngine } from '../../../server/store/sqlEngine';
import { migrate } from '../../../server/store/migrations';
import { applyPlan } from '../../../server/users/applyPlan';
import { listAudit } from '../../../server/users/audit';
import type { EntryData } from '../../../server/users/entryDiff';
import { InMemoryRegistry } from '../../../server/users/registryView';
import { planImport, planRealmResync, reportFromPlan } from '../../../server/users/syncPlan';
import { DatabaseRegistry, readRealmUsers, readRegistryForRealmImport } from '../../../server/users/userRows';

let db: Database;

function entry(i: number, extra: Partial<EntryData> = {}): EntryData {
  return {
    dn: `uid=u${i},ou=People,dc=x`,
    uuid: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`,
    username: `u${i}`,
    displayName: `User ${i}`,
    givenName: 'G',
    surname: `S${i}`,
    email: `u${i}@x.test`,
    department: '',
    title: '',
    phone: '',
    disabled: false,
    ...extra,
  };
}

before(async () => {
  const SQL = await loadSqlEngine();
  db = new SQL.Database();
  migrate(db);
  for (const name of ['one', 'two']) {
    db.run(
      `INSERT INTO realms (name, kind, url, bind_dn, base_dn, page_size, connect_timeout_ms, timeout_ms, created_at, updated_at)
       VALUES (?, 'openldap', 'ldaps://x', 'cn=r', 'dc=x', 500, 1000, 1000, 'now', 'now')`,
      [name],
    );
  }
});

function importInto(realmId: number, entries: EntryData[], now: string) {
  const plan = planImport(realmId, entries, new InMemoryRegistry(readRegistryForRealmImport(db, realmId)), 'entryUUID');
  const report = reportFromPlan(plan);
  db.run('BEGIN');
  const applied = applyPlan(db, plan, {
    realmId,
    now,
    actor: 'unit',
    rolesForNew: [{ roleId: 4 }, { roleId: 3, scope: 'p' }],
    rolesDescription: 'Viewer, Project Contributor @ p',
    updateAction: 'user.import',
    rawOf: (e) => (e.username === 'u1' ? { pwdAccountLockedTime: ['x'] } : undefined),
  });
  db.run('COMMIT');
  return { report, applied };
}

test('bulk apply inserts users, roles, raw extras and one audit row each; a re-import writes nothing', () => {
  const entries = Array.from({ length: 50 }, (_, i) => entry(i + 1));
  const { report, applied } = importInto(1, entries, '2026-01-01T00:00:00.000Z');
  assert.equal(report.created, 50);
  assert.equal(applied.createdIds.length, 50);
  const count = (sql: string) => Number(db.exec(sql)[0].values[0][0]);
  assert.equal(count('SELECT count(*) FROM users'), 50);
  assert.equal(count('SELECT count(*) FROM role_assignments'), 100);
  assert.equal(count(`SELECT count(*) FROM audit WHERE action = 'user.import'`), 50);
  assert.equal(count('SELECT count(*) FROM users WHERE raw_attributes IS NOT NULL'), 1);
  const audit = listAudit(db, { userId: applied.createdIds[0] });
  assert.deepEqual(audit[0].changes, [
    { field: 'ldapUuid', before: null, after: entries[0].uuid },
    { field: 'roles', before: null, after: 'Viewer, Project Contributor @ p' },
  ]);
  const changesBefore = count('SELECT total_changes()');
  const again = importInto(1, entries, '2026-01-02T00:00:00.000Z');
  assert.deepEqual([again.report.created, again.report.updated, again.report.unchanged], [0, 0, 50]);
  assert.equal(again.applied.updatedIds.length, 0);
  assert.equal(count('SELECT total_changes()'), changesBefore, 'no row written');
});

test('a bulk import into another realm sees the first realm’s usernames as conflicts', () => {
  const { report } = importInto(2, [entry(1, { uuid: 'ffffffff-0000-0000-0000-000000000001' }), entry(999)], '2026-01-03T00:00:00.000Z');
  assert.deepEqual([report.created, report.conflicts], [1, 1]);
  assert.match(report.conflictDetails![0].reason, /another realm/);
});

test('realm resync over the database: changed users updated, absent ones marked missing, roles untouched', () => {
  const users = readRealmUsers(db, 1);
  assert.equal(users.length, 50);
  const entries = Array.from({ length: 48 }, (_, i) => entry(i + 1, i === 0 ? { title: 'Boss' } : {}));
  const plan = planRealmResync(1, entries, users, new DatabaseRegistry(db), '2026-01-04T00:00:00.000Z');
  assert.equal(plan.newlyMissing, 2);
  db.run('BEGIN');
  const applied = applyPlan(db, plan, { realmId: 1, now: '2026-01-04T00:00:00.000Z', actor: 'unit', rolesForNew: [], rolesDescription: '', updateAction: 'user.resync' });
  db.run('COMMIT');
  assert.equal(applied.updatedIds.length, 3);
  const missing = db.exec(`SELECT username, missing_since, synced_at FROM users WHERE missing_since IS NOT NULL ORDER BY username`)[0].values;
  assert.deepEqual(missing, [
    ['u49', '2026-01-04T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
    ['u50', '2026-01-04T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
  ]);
  assert.equal(Number(db.exec('SELECT count(*) FROM role_assignments')[0].values[0][0]), 102);
  assert.equal(db.exec(`SELECT title FROM users WHERE username = 'u1'`)[0].values[0][0], 'Boss');
  assert.equal(listAudit(db, { userId: Number(db.exec(`SELECT id FROM users WHERE username = 'u50'`)[0].values[0][0]), limit: 1 })[0].action, 'user.missing');
});

test('a rename that frees a username for a new entry applies in the right order', () => {
  // u2 is renamed in LDAP; a new entry takes its old name in the same import.
  const renamed = entry(2, { username: 'u2-renamed' });
  const newcomer = entry(2000, { username: 'u2' });
  const { report, applied } = importInto(1, [newcomer, renamed], '2026-01-05T00:00:00.000Z');
  assert.deepEqual([report.created, report.updated, report.conflicts], [1, 1, 0]);
  assert.equal(applied.createdIds.length, 1);
  const names = db.exec(`SELECT username FROM users WHERE username IN ('u2', 'u2-renamed') ORDER BY username`)[0].values.flat();
  assert.deepEqual(names, ['u2', 'u2-renamed']);
});
