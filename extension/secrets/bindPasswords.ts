// Bind passwords, kept in VS Code's SecretStorage under the realm's id and bound to the realm's
// url and bind DN: a realm whose url or bind DN changed never receives the old password (the
// stale secret is deleted and the admin is asked again). Passwords not to be remembered live in
// memory for this window only. No `vscode` import: the binding rules are unit-tested directly.

/** The part of vscode.SecretStorage this needs. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** What a password is for: the backend's `secret/get` params. */
export interface BindTarget {
  realmId: number;
  url: string;
  bindDn: string;
}

interface StoredPassword {
  url: string;
  bindDn: string;
  password: string;
}

export function secretKey(realmId: number): string {
  return `ldapUsers.bindPassword.${realmId}`;
}

/** Scheme and host are case-insensitive; a trailing slash means nothing. */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim().replace(/\/+$/, '');
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/]*)(.*)$/i.exec(trimmed);
  return m ? `${m[1]!.toLowerCase()}${m[2]!.toLowerCase()}${m[3]}` : trimmed;
}

/** DN comparison that ignores case and blanks around separators (`CN=A, DC=x` = `cn=a,dc=x`). */
export function normalizeDn(dn: string): string {
  return dn
    .trim()
    .replace(/\s*([,=+])\s*/g, '$1')
    .toLowerCase();
}

export function sameBinding(a: { url: string; bindDn: string }, b: { url: string; bindDn: string }): boolean {
  return normalizeUrl(a.url) === normalizeUrl(b.url) && normalizeDn(a.bindDn) === normalizeDn(b.bindDn);
}

export class BindPasswords {
  private readonly session = new Map<number, StoredPassword>();

  constructor(private readonly store: SecretStore) {}

  /** The password for this realm, url and bind DN, or undefined (never one bound elsewhere). */
  async lookup(target: BindTarget): Promise<string | undefined> {
    const inMemory = this.session.get(target.realmId);
    if (inMemory) {
      if (sameBinding(inMemory, target)) {
        return inMemory.password;
      }
      this.session.delete(target.realmId);
    }
    const stored = parse(await this.store.get(secretKey(target.realmId)));
    if (!stored) {
      return undefined;
    }
    if (!sameBinding(stored, target)) {
      // The realm now points elsewhere: the old password must never be sent there.
      await this.store.delete(secretKey(target.realmId));
      return undefined;
    }
    return stored.password;
  }

  /** Whether a password is remembered (in SecretStorage) for exactly this binding. */
  async isRemembered(target: BindTarget): Promise<boolean> {
    const stored = parse(await this.store.get(secretKey(target.realmId)));
    return stored !== undefined && sameBinding(stored, target);
  }

  /** Keeps a password for this binding: in SecretStorage when `remember`, else for this window. */
  async save(target: BindTarget, password: string, remember: boolean): Promise<void> {
    const value: StoredPassword = { url: target.url, bindDn: target.bindDn, password };
    this.session.set(target.realmId, value);
    if (remember) {
      await this.store.store(secretKey(target.realmId), JSON.stringify(value));
    } else {
      await this.store.delete(secretKey(target.realmId));
    }
  }

  /** Forgets the realm's password everywhere (realm removed, or the admin resets it). */
  async forget(realmId: number): Promise<void> {
    this.session.delete(realmId);
    await this.store.delete(secretKey(realmId));
  }

  /** Forgets only this window's copy (after the directory rejected it). */
  forgetSession(realmId: number): void {
    this.session.delete(realmId);
  }
}

function parse(raw: string | undefined): StoredPassword | undefined {
  if (!raw) {
    return undefined;
  }
  try {
    const v = JSON.parse(raw) as Partial<StoredPassword>;
    if (typeof v.url === 'string' && typeof v.bindDn === 'string' && typeof v.password === 'string') {
      return { url: v.url, bindDn: v.bindDn, password: v.password };
    }
  } catch {
    // Not ours (or damaged): treated as absent.
  }
  return undefined;
}
