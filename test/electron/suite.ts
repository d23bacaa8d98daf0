// Runs inside VS Code's extension host (loaded by run.ts through @vscode/test-electron): the
// extension activates, contributes its commands, shows a test slapd's realm and users in the
// Realms tree, and a command (Disable Login) changes the registry.
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { RealmSave, RealmSearch, UserGet, UserImport } from '../../protocol/rpc';
import type { LdapUsersApi } from '../../extension/main';
import type { RealmNode, UserNode } from '../../extension/tree/nodes';
import { startSlapd } from '../../scripts/directory/slapd';

const extensionId = 'ldap-user-manager.ldap-user-manager';

export async function run(): Promise<void> {
  const slapd = await startSlapd({ users: 25, awkward: false, substringIndexes: false });
  try {
    const extension = vscode.extensions.getExtension<LdapUsersApi>(extensionId);
    assert.ok(extension, `${extensionId} is installed`);
    const api = await extension.activate();

    const commands = await vscode.commands.getCommands(true);
    const contributed = (extension.packageJSON as { contributes: { commands: { command: string }[] } }).contributes.commands;
    for (const { command } of contributed) {
      assert.ok(commands.includes(command), `${command} is registered`);
    }

    const realm = await api.backend.request(RealmSave, {
      realm: { name: 'Electron slapd', kind: 'openldap', url: slapd.ldapUrl, startTls: true, caCertPath: slapd.caCertPath, bindDn: slapd.readerDn, baseDn: slapd.baseDn },
    });
    await api.bindPasswords.save({ realmId: realm.id, url: realm.url, bindDn: realm.bindDn }, slapd.readerPassword, false);
    const found = await api.backend.request(RealmSearch, { realmId: realm.id, query: '*' });
    await api.backend.request(UserImport, { realmId: realm.id, entries: found.entries.map((e) => ({ uuid: e.uuid, dn: e.dn })) });

    await vscode.commands.executeCommand('ldapUsers.refresh');
    const roots = (await api.realmsTree.getChildren()) as RealmNode[];
    assert.deepEqual(roots.map((r) => r.realm.name), ['Electron slapd']);
    const users = (await api.realmsTree.getChildren(roots[0])) as UserNode[];
    assert.equal(users.length, 25);

    const target = users[0]!.user;
    await vscode.commands.executeCommand('ldapUsers.disableLogin', { userIds: [target.id] });
    const after = await api.backend.request(UserGet, { userId: target.id });
    assert.equal(after.user.loginEnabled, false, 'Disable Login reached the registry');
  } finally {
    await slapd.stop();
  }
}
