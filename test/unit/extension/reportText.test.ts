// Summary lines and reports of long operations ("Imported 12, updated 3, 1 conflict").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OperationReport } from '../../../protocol/model';
import { reportMarkdown, summarizeReport, testResultSummary } from '../../../extension/reports/reportText';

const report = (r: Partial<OperationReport>): OperationReport => ({
  created: 0,
  updated: 0,
  unchanged: 0,
  conflicts: 0,
  missing: 0,
  failed: [],
  changes: [],
  ...r,
});

test('import summary counts what happened', () => {
  assert.equal(summarizeReport(report({ created: 12, updated: 3, conflicts: 1 }), 'import'), 'Imported 12, updated 3, 1 conflict');
  assert.equal(
    summarizeReport(report({ created: 0, updated: 0, unchanged: 5, conflicts: 2, failed: [{ reason: 'x' }] }), 'import'),
    'Imported 0, updated 0, 5 unchanged, 2 conflicts, 1 failed',
  );
  assert.equal(summarizeReport(report({ created: 2, updated: 1 }), 'import', true), 'Would import 2, would update 1');
});

test('resync summary mentions users missing from LDAP', () => {
  assert.equal(summarizeReport(report({ updated: 4, unchanged: 90, missing: 2 }), 'resync'), 'Updated 4, 90 unchanged, 2 missing from LDAP');
});

test('the markdown report lists conflicts, failures and field changes, escaping table cells', () => {
  const md = reportMarkdown(
    'Import from Corp',
    report({
      created: 1,
      updated: 1,
      conflicts: 1,
      conflictDetails: [{ username: 'jdoe', reason: 'username used by internal user jdoe' }],
      failed: [{ dn: 'uid=x|y,dc=t', reason: 'no uuid' }],
      changes: [{ username: 'asmith', fields: [{ field: 'email', before: 'a@old', after: 'a@new' }] }],
    }),
    'import',
    new Date('2026-01-02T03:04:05Z'),
  );
  assert.match(md, /^# Import from Corp\n\n2026-01-02T03:04:05.000Z — Imported 1, updated 1, 1 conflict, 1 failed\./);
  assert.match(md, /## Conflicts\n\n- jdoe: username used by internal user jdoe/);
  assert.match(md, /- uid=x\\\|y,dc=t: no uuid/);
  assert.match(md, /\| asmith \| email \| a@old \| a@new \|/);
});

test('test connection summary names the failed step', () => {
  const steps = [
    { name: 'resolve' as const, ok: true, ms: 1 },
    { name: 'connect' as const, ok: true, ms: 3 },
    { name: 'bind' as const, ok: false, ms: 5, message: 'Invalid credentials' },
  ];
  assert.equal(
    testResultSummary('Corp', { ok: false, steps, sample: [] }),
    'Test of "Corp" failed at "bind": Invalid credentials (resolve 1 ms, connect 3 ms, bind failed).',
  );
});
