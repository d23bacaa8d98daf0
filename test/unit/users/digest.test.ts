// The realm-resync fast path must never call a changed user unchanged: the digest (JS and SQL)
// agrees with the field-by-field diff on every state, including NULL vs '' and odd text.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Database } from 'sql.js';
import { loadSqlEngine } from '../../../server/store/sqlEngine';
import { migrate } from '../../../server/store/migrations';
import { diffLinkedState, linkedDigest, type LinkedUserState } from '../../../server/users/entryDiff';
import { splitUnchangedByDigest } from '../../../server/users/syncPlan';
import { readRealmUserDigests } from '../../../server/users/userRows';

const text = fc.oneof(fc.constantFrom('', 'a', 'A', 'ä', ' a', '😀', 'a\u001fb'), fc.string({ maxLength: 6 }));
const optional = fc.option(text, { nil: null });
const state: fc.Arbitrary<LinkedUserState> = fc.record({
  username: fc.string({ minLength: 1, maxLength: 6 }),
  displayName: fc.string({ minLength: 1, maxLength: 6 }),
  givenName: optional,
  surname: optional,
  email: optional,
  department: optional,
  title: optional,
  phone: optional,
  ldapUuid: fc.constantFrom('u-1', 'U-1', 'u-2'),
  ldapDn: optional,
  ldapDisabled: fc.boolean(),
  missingSince: fc.constant(null),
});

let db: Database;
before(async () => {
  db = new (await loadSqlEngine()).Database();
  migrate(db);
  db.run(`INSERT INTO realms (name, kind, url, bind_dn, base_dn, page_size, connect_timeout_ms, timeout_ms, created_at, updated_at) VALUES ('r','openldap','ldaps://x','cn=a','dc=x',500,1000,1000,'now','now')`);
});

test('equal digests ⇔ no field changes (when both have a digest)', () => {
  fc.assert(
    fc.property(state, state, (a, b) => {
      const da = linkedDigest(a);
      const db2 = linkedDigest(b);
      if (da === undefined || db2 === undefined) return true;
      // Empty optional text and NULL are the same to the diff; the digest must agree.
      return (da === db2) === (diffLinkedState(a, b).length === 0);
    }),
    { numRuns: 2000 },
  );
});

test('the SQL digest of a stored row equals the JS digest of the same state', () => {
  fc.assert(
    fc.property(state, (s) => {
      const digest = linkedDigest(s);
      fc.pre(digest !== undefined);
      db.run('DELETE FROM users');
      db.run(
        `INSERT INTO users (username, category, realm_id, ldap_uuid, ldap_dn, display_name, given_name, surname, email, department, title, phone,
           ldap_disabled, created_at, updated_at) VALUES (?, 'external', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'now', 'now')`,
        [s.username, s.ldapUuid, s.ldapDn || null, s.displayName, s.givenName || null, s.surname || null, s.email || null, s.department || null, s.title || null, s.phone || null, s.ldapDisabled ? 1 : 0],
      );
      const [row] = readRealmUserDigests(db, 1);
      return row.digest === digest;
    }),
    { numRuns: 500 },
  );
});

test('split: unchanged users are counted, changed/missing ones and their entries go to the full plan', () => {
  const entry = (i: number, extra = {}) => ({
    dn: `uid=u${i}`, uuid: `id-${i}`, username: `u${i}`, displayName: `U${i}`, givenName: '', surname: '', email: '', department: '', title: '', phone: '', disabled: false, ...extra,
  });
  const stateOf = (i: number, extra: Partial<LinkedUserState> = {}): LinkedUserState => ({
    username: `u${i}`, displayName: `U${i}`, givenName: null, surname: null, email: null, department: null, title: null, phone: null,
    ldapUuid: `id-${i}`, ldapDn: `uid=u${i}`, ldapDisabled: false, missingSince: null, ...extra,
  });
  const digests = [
    { id: 1, ldapUuid: 'id-1', missingSince: null, digest: linkedDigest(stateOf(1))! },
    { id: 2, ldapUuid: 'id-2', missingSince: null, digest: linkedDigest(stateOf(2, { title: 'old' }))! },
    { id: 3, ldapUuid: 'id-3', missingSince: '2026-01-01', digest: linkedDigest(stateOf(3))! },
    { id: 4, ldapUuid: 'id-4', missingSince: null, digest: linkedDigest(stateOf(4))! },
  ];
  const entries = [entry(1), entry(2), entry(3)];
  const split = splitUnchangedByDigest(digests, entries);
  assert.equal(split.unchanged, 1);
  assert.deepEqual(split.otherIds, [2, 3, 4]);
  assert.deepEqual(split.otherEntries.map((e) => e.uuid), ['id-2', 'id-3']);
});
