// What the page handlers need from the extension host, as plain interfaces: the handlers stay
// free of `vscode` (unit-tested with a real or recording backend), and panelHost.ts supplies the
// VS Code side (SecretStorage, dialogs, commands, settings).
import type { BackendClient } from '../backend/backendClient';
import { ErrorCodes } from '../../protocol/errors';
import type { Realm, Role } from '../../protocol/model';
import { RealmList, RoleList } from '../../protocol/rpc';
import type { RealmSummary } from '../../protocol/webview';
import { PageError } from './pageRouter';

/** The realm fields a stored bind password is bound to (a changed url or bind DN never gets it). */
export interface SecretBinding {
  id: number;
  url: string;
  bindDn: string;
}

export interface PageHostDeps {
  backend: Pick<BackendClient, 'request'>;
  secrets: {
    hasPassword(realm: SecretBinding): Promise<boolean>;
    storePassword(realm: SecretBinding, password: string): Promise<void>;
  };
  dialogs: {
    /** An Open dialog for a CA certificate (PEM); null when cancelled. */
    pickCaFile(): Promise<string | null>;
    /** A modal confirmation; true when the admin chose `action`. */
    confirm(message: string, action: string): Promise<boolean>;
  };
  commands: {
    openResync(userId: number): Promise<void>;
    /** Internal → external needs a realm and an entry: the host's own command asks for them. */
    convertToExternal(userId: number): Promise<void>;
  };
  settings: {
    searchLimit(): number;
    defaultRoleNames(): string[];
  };
  /** The backend opened the database read-only (locked elsewhere, newer schema). */
  readOnly(): boolean;
  /** False in an untrusted workspace: the registry can be browsed, no directory is contacted. */
  canContactDirectories(): boolean;
}

export function summarizeRealm(realm: Realm): RealmSummary {
  return { id: realm.id, name: realm.name, kind: realm.kind, url: realm.url, enabled: realm.enabled };
}

/**
 * The realms and roles a panel knows, loaded when the page says it is ready and reloaded when the
 * registry changes. Handlers check ids against it, so a message naming an id that does not exist
 * is refused without any request reaching the backend.
 */
export class KnownIds {
  private realms = new Map<number, Realm>();
  private roles = new Map<number, Role>();
  private loading: Promise<void> | undefined;

  constructor(private readonly backend: Pick<BackendClient, 'request'>) {}

  /** Loads (or reloads) both lists; concurrent callers share one load. */
  load(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const [realms, roles] = await Promise.all([this.backend.request(RealmList, {}), this.backend.request(RoleList, {})]);
        this.realms = new Map(realms.map((r) => [r.id, r]));
        this.roles = new Map(roles.map((r) => [r.id, r]));
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  /** Waits for a reload in progress, so a check never runs against a half-updated list. */
  async settled(): Promise<void> {
    await this.loading;
  }

  realmList(): Realm[] {
    return [...this.realms.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  roleList(): Role[] {
    return [...this.roles.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async realm(realmId: number, field = 'realmId'): Promise<Realm> {
    await this.settled();
    const realm = this.realms.get(realmId);
    if (!realm) {
      throw new PageError(ErrorCodes.realmNotFound, `There is no directory with id ${realmId}; it may have been removed. Close this page and open it again.`, {
        field,
        realmId,
      });
    }
    return realm;
  }

  async roleIds(roleIds: number[], field = 'roleIds'): Promise<number[]> {
    await this.settled();
    const unknown = roleIds.filter((r) => !this.roles.has(r));
    if (unknown.length > 0) {
      throw new PageError(ErrorCodes.invalidInput, `Unknown role id ${unknown.join(', ')}; the roles may have changed. Reopen the roles picker.`, { field });
    }
    return [...new Set(roleIds)];
  }
}

export function refuseWhenReadOnly(deps: PageHostDeps): void {
  if (deps.readOnly()) {
    throw new PageError(
      ErrorCodes.databaseReadOnly,
      'The user registry is open read-only (another VS Code window holds it, or it comes from a newer version). Nothing was changed.',
    );
  }
}

export function refuseWhenUntrusted(deps: PageHostDeps): void {
  if (!deps.canContactDirectories()) {
    throw new PageError(
      ErrorCodes.invalidInput,
      'This workspace is not trusted, so no directory is contacted. Trust the workspace (Manage Workspace Trust) to search, import, resynchronize or test.',
    );
  }
}
