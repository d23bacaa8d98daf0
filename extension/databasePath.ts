// Where the registry file lives: the setting, resolved against the first workspace folder.
// Pure (no vscode), so it is unit-tested directly.
import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';

export type DatabaseLocation = { ok: true; path: string } | { ok: false; reason: string };

export function resolveDatabasePath(setting: string, firstFolder: string | undefined): DatabaseLocation {
  let value = setting.trim() || '.vscode/ldap-users.sqlite';
  if (value === '~' || value.startsWith('~/')) {
    value = join(homedir(), value.slice(1));
  }
  if (isAbsolute(value)) {
    return { ok: true, path: normalize(value) };
  }
  if (!firstFolder) {
    return {
      ok: false,
      reason: 'Open a folder (the user registry is kept in it), or set "ldapUsers.databasePath" to an absolute path.',
    };
  }
  return { ok: true, path: normalize(join(firstFolder, value)) };
}
