// One bound LDAP connection for one operation (reliability.md L10–L13):
//  - a fresh ldapts Client per operation, always unbound and its sockets destroyed in `finally`;
//  - connectTimeout, per-operation timeout and the server-side timeLimit always set, plus our own
//    watchdog around phases ldapts does not time (the StartTLS handshake) and cancellation that
//    tears the sockets down at once;
//  - TLS verified (see tlsOptions.ts); a plain simple bind refused unless the realm allows it;
//    an empty password refused before anything is sent (it would be an anonymous bind);
//  - `isBound` checked before every page: ldapts silently reconnects *anonymously*, and an
//    anonymous search returns "success, 0 entries" — which a sync would read as "all deleted".
import { lookup } from 'node:dns/promises';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { ResponseError } from 'vscode-jsonrpc';
import { Client, type Entry, type Filter, NoSuchObjectError, PresenceFilter } from 'ldapts';
import type { RealmKind, RealmTestStep, RealmTestStepName, SearchScope } from '../../protocol/model';
import { DirectoryGuardError, toDirectoryError, type DirectoryPhase } from './ldapErrors';
import { parseLdapUrl, type LdapEndpoint } from './ldapUrl';
import { completeRangedAttributes, hasRangedAttributes } from './rangedAttributes';
import { loadCaCertificate, tlsConnectionOptions } from './tlsOptions';

/** What a session needs to know about a realm (a saved Realm or a validated RealmInput). */
export interface SessionRealm {
  id?: number;
  name: string;
  kind: RealmKind;
  url: string;
  startTls: boolean;
  caCertPath?: string;
  tlsServerName?: string;
  allowInsecure: boolean;
  bindDn: string;
  baseDn: string;
  scope: SearchScope;
  pageSize: number;
  connectTimeoutMs: number;
  timeoutMs: number;
}

export interface SessionOptions {
  /** The bind password (from `secret/get` or the request); never stored, logged or put in errors. */
  password: string | undefined;
  signal?: AbortSignal;
  /** Called as each connection step ends (realm/test reports them). */
  onStep?: (step: RealmTestStep) => void;
}

export interface PageSearchOptions {
  filter: Filter;
  attributes: string[];
  explicitBufferAttributes?: string[];
  /** Defaults to the realm's base DN and scope. */
  base?: string;
  scope?: 'base' | 'one' | 'sub';
  /** Defaults to the realm's page size. */
  pageSize?: number;
}

export interface RootDseInfo {
  vendor?: string;
  namingContexts?: string[];
  supportedLdapVersion?: string[];
  defaultNamingContext?: string;
}

/** Socket events we watch to tell which step failed and how long each took. */
class ConnectionProbe {
  started = performance.now();
  connectedAt?: number;
  secureAt?: number;
  readonly sockets = new Set<Socket>();

  track<S extends Socket>(socket: S, tcp: boolean): S {
    this.sockets.add(socket);
    if (tcp) socket.once('connect', () => (this.connectedAt ??= performance.now()));
    else socket.once('secureConnect', () => (this.secureAt ??= performance.now()));
    return socket;
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}

const rootDseAttributes = ['*', '+'];

function firstText(entry: Entry, name: string): string | undefined {
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== name.toLowerCase()) continue;
    const values = Array.isArray(value) ? value : [value];
    const text = values.find((v): v is string => typeof v === 'string');
    if (text !== undefined) return text;
  }
  return undefined;
}
function allText(entry: Entry, name: string): string[] | undefined {
  for (const [key, value] of Object.entries(entry)) {
    if (key.toLowerCase() !== name.toLowerCase()) continue;
    const values = Array.isArray(value) ? value : [value];
    return values.filter((v): v is string => typeof v === 'string');
  }
  return undefined;
}

export class DirectorySession {
  private closed = false;

  constructor(
    private readonly client: Client,
    readonly realm: SessionRealm,
    readonly endpoint: LdapEndpoint,
    private readonly guard: <T>(work: Promise<T>, ms: number, phase: DirectoryPhase) => Promise<T>,
  ) {}

  private ensureUsable(phase: DirectoryPhase): void {
    if (this.closed) throw new Error('This directory session is closed; open a new one.');
    if (!this.client.isBound) {
      throw toDirectoryError(new DirectoryGuardError('unbound', 'lost binding'), this.errorContext(phase));
    }
  }

  errorContext(phase: DirectoryPhase) {
    return {
      realmName: this.realm.name,
      realmId: this.realm.id,
      endpoint: `${this.endpoint.host}:${this.endpoint.port}`,
      phase,
      connectTimeoutMs: this.realm.connectTimeoutMs,
      timeoutMs: this.realm.timeoutMs,
    };
  }

  /** Seconds the server may spend on one request: never less than our own per-request timeout. */
  private get serverTimeLimit(): number {
    return Math.ceil(this.realm.timeoutMs / 1000);
  }

  /**
   * Pages through a search (RFC 2696 paged results, never a client sizeLimit, which truncates
   * silently). Yields each page's entries; throws on any failure — a page sequence that ends
   * without an error is complete.
   */
  async *pages(options: PageSearchOptions): AsyncGenerator<Entry[]> {
    this.ensureUsable('search');
    const iterator = this.client.searchPaginated(options.base ?? this.realm.baseDn, {
      scope: options.scope ?? this.realm.scope,
      filter: options.filter,
      attributes: options.attributes,
      explicitBufferAttributes: options.explicitBufferAttributes ?? [],
      paged: { pageSize: options.pageSize ?? this.realm.pageSize },
      timeLimit: this.serverTimeLimit,
      derefAliases: 'never',
    });
    // The next page is requested as soon as one arrives, so the server produces it while the
    // caller maps and plans the current one (a sequential read leaves both sides idle in turn).
    let inFlight = false;
    const requestPage = () => {
      this.ensureUsable('search');
      inFlight = true;
      const page = this.guard(iterator.next(), this.realm.timeoutMs + 2000, 'search');
      page.then(
        () => (inFlight = false),
        () => (inFlight = false),
      );
      return page;
    };
    let pending = requestPage();
    try {
      for (;;) {
        let next: IteratorResult<{ searchEntries: Entry[] }>;
        try {
          next = await pending;
        } catch (err) {
          throw toDirectoryError(err, this.errorContext('search'));
        }
        if (next.done) return;
        // A page that arrived before the connection was lost is not handed over: the read fails.
        this.ensureUsable('search');
        pending = requestPage();
        yield await this.completeRanges(next.value.searchEntries, options.explicitBufferAttributes ?? []);
      }
    } finally {
      // Stops ldapts' generator when the caller breaks out early (limit reached, cancelled). With a
      // page still in flight the generator only returns once that page arrives: do not wait for
      // it (the session closes the connection, or the guard destroys it on timeout/cancel).
      const stopped = iterator.return(undefined).catch(() => undefined);
      if (!inFlight) await stopped;
    }
  }

  /** The entry at `dn` if it exists and matches `filter`, else undefined. */
  async entryAt(dn: string, filter: Filter, attributes: string[], explicitBufferAttributes: string[] = []): Promise<Entry | undefined> {
    this.ensureUsable('search');
    try {
      const result = await this.guard(
        this.client.search(dn, { scope: 'base', filter, attributes, explicitBufferAttributes, timeLimit: this.serverTimeLimit, derefAliases: 'never' }),
        this.realm.timeoutMs + 2000,
        'search',
      );
      const [entry] = await this.completeRanges(result.searchEntries, explicitBufferAttributes);
      return entry;
    } catch (err) {
      if (err instanceof ResponseError) throw err;
      if (err instanceof NoSuchObjectError) return undefined;
      // A DN the server cannot even parse is not an entry of this realm.
      if ((err as { code?: unknown }).code === 34) return undefined;
      throw toDirectoryError(err, this.errorContext('search'));
    }
  }

  /** Entries with AD range slices (`member;range=0-1499`) completed; see rangedAttributes.ts. */
  private async completeRanges(entries: Entry[], explicitBufferAttributes: string[]): Promise<Entry[]> {
    if (!entries.some(hasRangedAttributes)) return entries;
    const fetch = async (dn: string, rangedAttribute: string): Promise<Entry | undefined> => {
      this.ensureUsable('search');
      try {
        const result = await this.guard(
          this.client.search(dn, {
            scope: 'base',
            filter: new PresenceFilter({ attribute: 'objectClass' }),
            attributes: [rangedAttribute],
            explicitBufferAttributes,
            timeLimit: this.serverTimeLimit,
            derefAliases: 'never',
          }),
          this.realm.timeoutMs + 2000,
          'search',
        );
        return result.searchEntries[0];
      } catch (err) {
        if (err instanceof NoSuchObjectError) return undefined;
        throw toDirectoryError(err, this.errorContext('search'));
      }
    };
    return Promise.all(entries.map((e) => (hasRangedAttributes(e) ? completeRangedAttributes(e, fetch) : e)));
  }

  async rootDse(): Promise<RootDseInfo> {
    this.ensureUsable('search');
    try {
      const result = await this.guard(
        this.client.search('', { scope: 'base', filter: new PresenceFilter({ attribute: 'objectClass' }), attributes: rootDseAttributes, timeLimit: this.serverTimeLimit }),
        this.realm.timeoutMs + 2000,
        'search',
      );
      const entry = result.searchEntries[0];
      if (!entry) return {};
      const objectClasses = (allText(entry, 'objectClass') ?? []).map((c) => c.toLowerCase());
      const capabilities = allText(entry, 'supportedCapabilities') ?? [];
      let vendor = firstText(entry, 'vendorName');
      if (!vendor && objectClasses.includes('openldaprootdse')) vendor = 'OpenLDAP';
      if (!vendor && capabilities.includes('1.2.840.113556.1.4.800')) vendor = 'Active Directory';
      const version = firstText(entry, 'vendorVersion');
      return {
        ...(vendor ? { vendor: version && !vendor.includes(version) ? `${vendor} ${version}` : vendor } : {}),
        ...(allText(entry, 'namingContexts') ? { namingContexts: allText(entry, 'namingContexts') } : {}),
        ...(allText(entry, 'supportedLDAPVersion') ? { supportedLdapVersion: allText(entry, 'supportedLDAPVersion') } : {}),
        ...(firstText(entry, 'defaultNamingContext') ? { defaultNamingContext: firstText(entry, 'defaultNamingContext') } : {}),
      };
    } catch (err) {
      throw toDirectoryError(err, this.errorContext('search'));
    }
  }

  markClosed(): void {
    this.closed = true;
  }
}

function step(name: RealmTestStepName, ok: boolean, ms: number, message?: string, code?: number): RealmTestStep {
  return { name, ok, ms: Math.max(0, Math.round(ms * 10) / 10), ...(message ? { message } : {}), ...(code !== undefined ? { code } : {}) };
}

/**
 * Opens a bound session on the realm's directory, runs `use`, and always unbinds and destroys
 * the connection afterwards. Errors from opening are ResponseErrors (1101–1106, 1002 for a base
 * DN problem); cancellation through `signal` rejects with RequestCancelled at once.
 */
export async function withDirectorySession<T>(realm: SessionRealm, options: SessionOptions, use: (session: DirectorySession) => Promise<T>): Promise<T> {
  const endpoint = parseLdapUrl(realm.url);
  const probe = new ConnectionProbe();
  const ctx = (phase: DirectoryPhase) => ({
    realmName: realm.name,
    realmId: realm.id,
    endpoint: `${endpoint.host}:${endpoint.port}`,
    phase,
    connectTimeoutMs: realm.connectTimeoutMs,
    timeoutMs: realm.timeoutMs,
  });
  const report = options.onStep ?? (() => undefined);
  const signal = options.signal;
  if (signal?.aborted) throw toDirectoryError(new DirectoryGuardError('cancelled', 'cancelled'), ctx('connect'));

  // Races `work` against a deadline and the cancellation signal; the loser's sockets are destroyed
  // so nothing is left waiting on a frozen server.
  const guard = <R>(work: Promise<R>, ms: number, phase: DirectoryPhase): Promise<R> => {
    work.catch(() => undefined);
    return new Promise<R>((resolve, reject) => {
      if (signal?.aborted) {
        probe.destroyAll();
        reject(new DirectoryGuardError('cancelled', 'cancelled'));
        return;
      }
      const timer = setTimeout(() => {
        cleanup();
        probe.destroyAll();
        reject(new DirectoryGuardError('timeout', `no answer after ${ms} ms during ${phase}.`));
      }, ms);
      const onAbort = () => {
        cleanup();
        probe.destroyAll();
        reject(new DirectoryGuardError('cancelled', 'cancelled'));
      };
      const cleanup = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      work.then(
        (v) => {
          cleanup();
          resolve(v);
        },
        (e) => {
          cleanup();
          reject(e);
        },
      );
    });
  };

  // Checks that need no network: nothing is sent when they fail.
  const plain = endpoint.scheme === 'ldap' && !realm.startTls;
  const password = options.password;
  const failBeforeNetwork = (name: RealmTestStepName, guardErr: DirectoryGuardError, phase: DirectoryPhase): never => {
    const err = toDirectoryError(guardErr, ctx(phase));
    report(step(name, false, 0, err.message, err.code));
    throw err;
  };

  // resolve
  const t = performance.now();
  if (!endpoint.isIpAddress) {
    try {
      await guard(lookup(endpoint.host), realm.connectTimeoutMs, 'connect');
    } catch (err) {
      const mapped = toDirectoryError(err, ctx('connect'));
      report(step('resolve', false, performance.now() - t, mapped.message, mapped.code));
      throw mapped;
    }
  }
  report(step('resolve', true, performance.now() - t, endpoint.isIpAddress ? `${endpoint.host} is an IP address` : undefined));

  if (plain && !realm.allowInsecure) {
    failBeforeNetwork(
      'tls',
      new DirectoryGuardError(
        'insecure',
        `Realm "${realm.name}" uses a plain ldap:// connection without StartTLS, so binding would send the password unencrypted; it was not sent. Use an ldaps:// URL, turn on StartTLS, or (only on a trusted network) allow insecure binds for this realm.`,
      ),
      'tls',
    );
  }
  if (password === undefined || password === '' || password.trim() === '') {
    failBeforeNetwork(
      'bind',
      new DirectoryGuardError(
        'noPassword',
        `No password is set for realm "${realm.name}" (bind DN ${realm.bindDn}). Set the password; an empty password is never sent, because the server would treat it as an anonymous bind.`,
      ),
      'bind',
    );
  }

  let ca: Buffer | undefined;
  if (!plain) {
    try {
      ca = await loadCaCertificate(realm, realm.name);
    } catch (err) {
      failBeforeNetwork('tls', err as DirectoryGuardError, 'tls');
    }
  }
  const tlsOptions = plain ? undefined : tlsConnectionOptions(endpoint, realm, ca);

  const client = new Client({
    url: endpoint.url,
    timeout: realm.timeoutMs,
    connectTimeout: realm.connectTimeoutMs,
    strictDN: true,
    // TLS options go to the Client only for ldaps:// (for ldap:// ldapts would start TLS on the plain port).
    ...(endpoint.scheme === 'ldaps' ? { tlsOptions } : {}),
    createConnection: ((port: number, host: string) => probe.track(netConnect(port, host), true)) as unknown as typeof netConnect,
    createSecureConnection: ((...args: unknown[]) => {
      if (typeof args[0] === 'number') {
        // ldaps://: our own TCP socket (to time the connect step), then TLS over it.
        const tcp = probe.track(netConnect(args[0], endpoint.host), true);
        return probe.track(tlsConnect({ ...(args[2] as ConnectionOptions), socket: tcp }), false);
      }
      // StartTLS upgrade of the existing socket: always our verified options.
      const upgrade = args[0] as ConnectionOptions;
      return probe.track(tlsConnect({ ...tlsOptions, socket: upgrade.socket }), false) as TLSSocket;
    }) as unknown as typeof tlsConnect,
  });

  let session: DirectorySession | undefined;
  probe.started = performance.now();
  try {
    // connect (+ tls) + bind, as one watched phase; socket events tell which step failed.
    const openDeadline = realm.connectTimeoutMs + realm.timeoutMs * (realm.startTls ? 2 : 1) + 1000;
    let phase: DirectoryPhase = 'connect';
    try {
      if (realm.startTls) {
        phase = 'tls';
        await guard(client.startTLS({ ...tlsOptions }), openDeadline, 'tls');
      }
      phase = 'bind';
      const bindStart = performance.now();
      await guard(client.bind(realm.bindDn, password as string), openDeadline, 'bind');
      const connectedAt = probe.connectedAt ?? bindStart;
      report(step('connect', true, connectedAt - probe.started, `${endpoint.host}:${endpoint.port}`));
      if (!plain) {
        report(step('tls', true, (probe.secureAt ?? connectedAt) - connectedAt, realm.startTls ? 'StartTLS, certificate verified' : 'LDAPS, certificate verified'));
      } else {
        report(step('tls', true, 0, 'not used: plain connection allowed for this realm (insecure)'));
      }
      report(step('bind', true, performance.now() - Math.max(probe.secureAt ?? 0, connectedAt, bindStart), realm.bindDn));
    } catch (err) {
      // Which step failed: no TCP connection → connect; no TLS handshake → tls; else the bind.
      const now = performance.now();
      let failed: 'connect' | 'tls' | 'bind';
      if (err instanceof DirectoryGuardError && err.reason === 'cancelled') failed = phase === 'bind' ? 'bind' : 'connect';
      else if (probe.connectedAt === undefined) failed = 'connect';
      else if (!plain && probe.secureAt === undefined) failed = 'tls';
      else failed = 'bind';
      const mapped = toDirectoryError(err, ctx(failed));
      if (failed === 'connect') {
        report(step('connect', false, now - probe.started, mapped.message, mapped.code));
      } else {
        report(step('connect', true, probe.connectedAt! - probe.started, `${endpoint.host}:${endpoint.port}`));
        if (failed === 'tls') {
          report(step('tls', false, now - probe.connectedAt!, mapped.message, mapped.code));
        } else {
          report(step('tls', true, (probe.secureAt ?? probe.connectedAt!) - probe.connectedAt!, plain ? 'not used (insecure)' : 'certificate verified'));
          report(step('bind', false, now - (probe.secureAt ?? probe.connectedAt!), mapped.message, mapped.code));
        }
      }
      throw mapped;
    }
    session = new DirectorySession(client, realm, endpoint, guard);
    return await use(session);
  } catch (err) {
    if (err instanceof DirectoryGuardError) throw toDirectoryError(err, ctx('search'));
    throw err;
  } finally {
    session?.markClosed();
    // Unbind politely, but never wait on a frozen server for it.
    await Promise.race([client.unbind().catch(() => undefined), new Promise((r) => setTimeout(r, 500).unref())]);
    probe.destroyAll();
  }
}
