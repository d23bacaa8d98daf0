// How previews and reports read: field changes as before → after with their kind, and the
// one-line summaries of an import preview and its result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OperationReport } from '../../../protocol/model';
import { changeLines, changeText, fieldLabel, reportSummary } from '../../../webview/common/changeView';

describe('change rendering', () => {
  it('labels fields, formats values and classifies each change', () => {
    const lines = changeLines([
      { field: 'email', before: 'a@old.test', after: 'a@new.test' },
      { field: 'department', before: null, after: 'Sales' },
      { field: 'phone', before: '+1 555', after: '' },
      { field: 'ldapDisabled', before: false, after: true },
      { field: 'title', before: 'Same', after: 'Same' },
    ]);
    assert.deepEqual(
      lines.map((l) => [l.label, l.before, l.after, l.kind]),
      [
        ['Email', 'a@old.test', 'a@new.test', 'changed'],
        ['Department', '(empty)', 'Sales', 'added'],
        ['Phone', '+1 555', '(empty)', 'removed'],
        ['Disabled in LDAP', 'no', 'yes', 'changed'],
      ],
    );
    assert.equal(changeText(lines[0]!), 'Email: a@old.test → a@new.test');
    assert.equal(fieldLabel('someNewField'), 'Some New Field');
  });

  it('keeps markup in values as text (rendering uses textContent)', () => {
    const [line] = changeLines([{ field: 'displayName', before: 'x', after: '<img src=x onerror=alert(1)>' }]);
    assert.equal(line!.after, '<img src=x onerror=alert(1)>');
  });

  it('summarizes a preview and a result', () => {
    const report: OperationReport = {
      created: 3,
      updated: 2,
      unchanged: 4,
      conflicts: 1,
      missing: 0,
      failed: [{ username: 'zed', reason: 'no UUID' }],
      changes: [
        { username: 'a', fields: [{ field: 'email', before: 'x', after: 'y' }] },
        { username: 'b', fields: [{ field: 'title', before: null, after: 'Boss' }, { field: 'phone', before: '1', after: '2' }] },
      ],
    };
    assert.equal(reportSummary(report, true), 'Will create 3 users, update 2 (3 field changes), 4 unchanged, 1 conflict, 1 failed.');
    assert.equal(reportSummary({ ...report, failed: [], conflicts: 0, unchanged: 0, created: 1, updated: 0, changes: [] }, false), 'Created 1 user, updated 0.');
  });
});
