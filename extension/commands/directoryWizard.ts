// Add / Edit Directory as a sequence of InputBoxes and QuickPicks: the keyboard path next to the
// directory editor panel. The bind password goes to SecretStorage, never to the backend's file.
import * as vscode from 'vscode';
import type { Realm, RealmInput, RealmKind } from '../../protocol/model';
import { RealmSave } from '../../protocol/rpc';
import { askBindPassword } from '../secrets/passwordPrompt';
import { CommandIds } from './commandIds';
import type { CommandEnv } from './commandEnv';

const kindDefaults: Record<RealmKind, { label: string; userFilter: string; port: string }> = {
  openldap: { label: 'OpenLDAP', userFilter: '(objectClass=inetOrgPerson)', port: '389' },
  activeDirectory: {
    label: 'Active Directory',
    userFilter: '(&(objectCategory=person)(objectClass=user))',
    port: '389',
  },
  generic: { label: 'Other LDAPv3 directory', userFilter: '(objectClass=person)', port: '389' },
};

/** Checks an LDAP URL the way the backend will (scheme, host). */
export function validateLdapUrl(value: string): string | undefined {
  const v = value.trim();
  if (!/^ldaps?:\/\/[^/\s:]+(:\d{1,5})?\/?$/i.test(v)) {
    return 'Enter ldap://host[:port] or ldaps://host[:port].';
  }
  return undefined;
}

/** Checks that text looks like a DN (attr=value pairs separated by commas). */
export function validateDn(value: string, allowEmpty = false): string | undefined {
  const v = value.trim();
  if (v === '') {
    return allowEmpty ? undefined : 'Enter a DN, e.g. dc=example,dc=org.';
  }
  return /^[A-Za-z][\w.-]*=[^,]+(,\s*[A-Za-z][\w.-]*=[^,]+)*$/.test(v.replace(/\\,/g, '')) ? undefined : 'Enter a DN like cn=reader,dc=example,dc=org.';
}

async function ask(
  title: string,
  step: string,
  options: { value?: string; prompt: string; placeHolder?: string; validate?: (v: string) => string | undefined },
): Promise<string | undefined> {
  const v = await vscode.window.showInputBox({
    title: `${title} (${step})`,
    value: options.value,
    prompt: options.prompt,
    placeHolder: options.placeHolder,
    ignoreFocusOut: true,
    validateInput: options.validate,
  });
  return v?.trim();
}

export async function directoryWizard(env: CommandEnv, existing?: Realm): Promise<Realm | undefined> {
  const title = existing ? `Edit Directory "${existing.name}"` : 'Add LDAP Directory';
  const name = await ask(title, '1/7', {
    value: existing?.name,
    prompt: 'A name for this directory',
    placeHolder: 'Corporate directory',
    validate: (v) => (v.trim() === '' ? 'Enter a name.' : undefined),
  });
  if (name === undefined) {
    return undefined;
  }
  const kindPick = await vscode.window.showQuickPick(
    (Object.keys(kindDefaults) as RealmKind[]).map((kind) => ({
      label: kindDefaults[kind].label,
      picked: existing?.kind === kind,
      realmKind: kind,
    })),
    { title: `${title} (2/7)`, placeHolder: 'Kind of directory (fills the attribute defaults)', ignoreFocusOut: true },
  );
  if (!kindPick) {
    return undefined;
  }
  const kind = kindPick.realmKind;
  const url = await ask(title, '3/7', {
    value: existing?.url ?? 'ldaps://',
    prompt: 'Directory URL: ldaps://host:636 (TLS) or ldap://host:389',
    validate: validateLdapUrl,
  });
  if (url === undefined) {
    return undefined;
  }
  let startTls = false;
  let allowInsecure = false;
  if (url.toLowerCase().startsWith('ldap://')) {
    const sec = await vscode.window.showQuickPick(
      [
        { label: 'StartTLS', detail: 'Upgrade the connection to TLS before binding (recommended).', value: 'starttls' },
        {
          label: 'No encryption (insecure)',
          detail: 'The bind password crosses the network in clear text. Only for test directories.',
          value: 'insecure',
        },
      ],
      { title: `${title} (3/7)`, placeHolder: 'ldap:// is not encrypted: how to protect the bind?', ignoreFocusOut: true },
    );
    if (!sec) {
      return undefined;
    }
    startTls = sec.value === 'starttls';
    allowInsecure = sec.value === 'insecure';
  }
  let caCertPath = existing?.caCertPath;
  if (url.toLowerCase().startsWith('ldaps://') || startTls) {
    const ca = await vscode.window.showQuickPick(
      [
        { label: 'System trust store', detail: 'The server certificate is signed by a public or system CA.', value: 'system' },
        { label: 'CA certificate file…', detail: caCertPath ?? 'A PEM file with the CA that signed the server certificate.', value: 'file' },
      ],
      { title: `${title} (4/7)`, placeHolder: 'Which CA signs the directory server certificate?', ignoreFocusOut: true },
    );
    if (!ca) {
      return undefined;
    }
    if (ca.value === 'file') {
      const files = await vscode.window.showOpenDialog({
        title: 'CA certificate (PEM)',
        canSelectMany: false,
        filters: { 'PEM certificate': ['pem', 'crt', 'cer'], 'All files': ['*'] },
      });
      if (!files?.[0]) {
        return undefined;
      }
      caCertPath = files[0].fsPath;
    } else {
      caCertPath = undefined;
    }
  }
  const bindDn = await ask(title, '5/7', {
    value: existing?.bindDn,
    prompt: 'Bind DN of the account that reads users (empty = anonymous)',
    placeHolder: kind === 'activeDirectory' ? 'CN=reader,CN=Users,DC=example,DC=org' : 'cn=reader,dc=example,dc=org',
    validate: (v) => validateDn(v, true),
  });
  if (bindDn === undefined) {
    return undefined;
  }
  const baseDn = await ask(title, '6/7', {
    value: existing?.baseDn,
    prompt: 'Base DN under which users are searched',
    placeHolder: 'ou=people,dc=example,dc=org',
    validate: (v) => validateDn(v),
  });
  if (baseDn === undefined) {
    return undefined;
  }
  const userFilter = await ask(title, '7/7', {
    value: existing?.userFilter ?? kindDefaults[kind].userFilter,
    prompt: 'LDAP filter that selects user entries',
    validate: (v) => (v.startsWith('(') && v.endsWith(')') ? undefined : 'A filter is enclosed in parentheses.'),
  });
  if (userFilter === undefined) {
    return undefined;
  }
  const input: RealmInput = {
    ...(existing
      ? {
          id: existing.id,
          scope: existing.scope,
          attributes: existing.kind === kind ? existing.attributes : undefined,
          tlsServerName: existing.tlsServerName,
          pageSize: existing.pageSize,
          connectTimeoutMs: existing.connectTimeoutMs,
          timeoutMs: existing.timeoutMs,
          enabled: existing.enabled,
          defaultRoles: existing.defaultRoles,
        }
      : {}),
    name,
    kind,
    url,
    startTls,
    allowInsecure,
    caCertPath,
    bindDn,
    baseDn,
    userFilter,
  };
  const realm = await env.backend.request(RealmSave, { realm: input });
  const target = { realmId: realm.id, url: realm.url, bindDn: realm.bindDn };
  if (realm.bindDn && !(await env.bindPasswords.lookup(target))) {
    const answer = await askBindPassword(target, realm.name, 'The directory was saved.');
    if (answer) {
      await env.bindPasswords.save(target, answer.password, answer.remember);
    }
  }
  const test = 'Test Connection';
  void vscode.window
    .showInformationMessage(`Directory "${realm.name}" ${existing ? 'updated' : 'added'}.`, test)
    .then((c) => (c === test ? vscode.commands.executeCommand(CommandIds.testConnection, { realmId: realm.id }) : undefined));
  return realm;
}
