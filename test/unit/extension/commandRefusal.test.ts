// Which commands may run in Restricted Mode and with a read-only registry. The fake vscode module
// only lets the command modules load; the greyed-out palette entries (the `enablement` clauses)
// are checked in real VS Code by the e2e suite (test/e2e).
import '../../support/fakeVscode';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandSpecs, refusal } from '../../../extension/commands/index';

test('browsing always runs; writes need trust and a writable registry; tests need trust only', () => {
  assert.equal(refusal('read', false, true), undefined);
  assert.match(refusal('write', false, false) ?? '', /^Restricted Mode/);
  assert.match(refusal('contact', false, false) ?? '', /contacts no directory/);
  assert.match(refusal('directory', false, false) ?? '', /^Restricted Mode/);
  assert.match(refusal('write', true, true) ?? '', /read-only/);
  assert.match(refusal('contact', true, true) ?? '', /read-only/);
  assert.equal(refusal('directory', true, true), undefined, 'Test Connection works on a read-only registry');
  assert.equal(refusal('write', true, false), undefined);
});

test('every contributed command has an implementation, a title, the category and an icon; enablement matches its need', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
    contributes: { commands: { command: string; title: string; category: string; icon?: string; enablement?: string }[] };
  };
  const contributed = pkg.contributes.commands;
  assert.deepEqual(contributed.map((c) => c.command).sort(), Object.keys(commandSpecs).sort());
  for (const c of contributed) {
    assert.ok(c.title && c.category === 'LDAP Users' && c.icon, c.command);
    const need = commandSpecs[c.command as keyof typeof commandSpecs].need;
    const expected = { read: undefined, directory: 'isWorkspaceTrusted', write: 'ldapUsers.writable', contact: 'ldapUsers.writable && isWorkspaceTrusted' }[need];
    assert.equal(c.enablement, expected, c.command);
  }
});
