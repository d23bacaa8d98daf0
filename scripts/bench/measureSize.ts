// Everything measured on one directory size: each operation timed BENCH_RUNS times, every run
// paired with an `ldapsearch` of the same filter and attributes right before it (interleaved, so
// that load from other processes hits both alike), plus the backend's peak RSS and file size.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Realm } from '../../protocol/model';
import { RealmResync, RealmSave, RealmSearch, UserImport, UserList, UserResync, type EntryRef } from '../../protocol/rpc';
import { requestedAttributes } from '../../server/ldap/entryMapping';
import { buildSearchFilter } from '../../server/ldap/searchFilters';
import { seedUser } from '../directory/seedUsers';
import type { SlapdHandle } from '../directory/slapd';
import { startBenchBackend, type BenchBackend } from './backendDriver';
import { applyLdif, benchPageSize, benchRealm, oneUserChange, tenPercentChange } from './benchDirectory';
import { timeLdapsearch, type LdapsearchQuery } from './ldapsearchBaseline';
import { summarize, type Summary } from './stats';

export interface Timed {
  /** The operation's timings (ms) and their summary. */
  samples: number[];
  summary: Summary;
  /** The paired ldapsearch timings (ms) of the same filter. */
  baselineSamples: number[];
  baseline: Summary;
}

export interface SizeResult {
  users: number;
  /** realm/search `*`: every entry with its status against the (imported) registry. */
  search: Timed;
  /** user/import of every entry into an empty registry, response = file on disk. */
  import: Timed;
  /** realm/resync with nothing changed in LDAP. */
  resyncUnchanged: Timed & { fileUnchanged: boolean; updated: number };
  /** realm/resync after 10 % of the entries were modified. */
  resyncTenPercent: Timed & { modified: number; updated: number };
  /** Only on the largest size. */
  keyword?: Timed & { query: string; found: number };
  userResync?: { samples: number[]; summary: Summary };
  peakRssBytes: number;
  /** Peak RSS of the backend during each operation (import: a fresh backend; others: reset before). */
  peakRssByOperation: Record<string, number>;
  databaseBytes: number;
}

export interface MeasureOptions {
  runs: number;
  serverBundle: string;
  cpuProfileDir?: string;
  largest: boolean;
  log: (message: string) => void;
}

/** What is on disk for the registry: the file and, for large registries, its change journal. */
function sha256(path: string): string {
  const hash = createHash('sha256').update(readFileSync(path));
  if (existsSync(`${path}.journal`)) hash.update(readFileSync(`${path}.journal`));
  return hash.digest('hex');
}

function bytesOnDisk(path: string): number {
  return statSync(path).size + (existsSync(`${path}.journal`) ? statSync(`${path}.journal`).size : 0);
}

function timed(samples: number[], baselineSamples: number[]): Timed {
  return { samples, summary: summarize(samples), baselineSamples, baseline: summarize(baselineSamples) };
}

async function clock<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

export async function measureSize(slapd: SlapdHandle, options: MeasureOptions): Promise<SizeResult> {
  const N = slapd.userCount;
  const { runs, log } = options;
  const workDir = mkdtempSync(join(tmpdir(), 'ldapum-bench-'));
  const backends: BenchBackend[] = [];
  const start = async (name: string): Promise<{ backend: BenchBackend; realm: Realm }> => {
    const backend = await startBenchBackend({
      serverBundle: options.serverBundle,
      databasePath: join(workDir, `${name}.sqlite`),
      password: slapd.readerPassword,
      cpuProfileDir: options.cpuProfileDir,
    });
    backends.push(backend);
    const realm = await backend.request(RealmSave, { realm: benchRealm(slapd) });
    return { backend, realm };
  };
  let peakRssBytes = 0;
  const stop = async (backend: BenchBackend) => {
    peakRssBytes = Math.max(peakRssBytes, backend.peakRssBytes());
    await backend.stop();
  };

  try {
    // The baseline query: the realm's user filter and exactly the attributes the backend requests.
    const probe = await start('probe');
    const attributes = requestedAttributes(probe.realm).attributes;
    const allFilter = buildSearchFilter(probe.realm, '*').filter.toString();
    const baseQuery: LdapsearchQuery = {
      url: slapd.ldapsUrl,
      caCertPath: slapd.caCertPath,
      bindDn: slapd.readerDn,
      password: slapd.readerPassword,
      baseDn: slapd.peopleDn,
      filter: allFilter,
      attributes,
      pageSize: benchPageSize,
    };
    const baselineAll = () => timeLdapsearch(baseQuery);
    // Warm slapd's caches once (both paths), then the entry refs the import sends, as the UI does.
    await baselineAll();
    const first = await probe.backend.request(RealmSearch, { realmId: probe.realm.id, query: '*', limit: Math.min(N, 100_000) });
    if (first.entries.length !== N) throw new Error(`realm/search * found ${first.entries.length} entries, expected ${N}`);
    const refs: EntryRef[] = first.entries.map((e) => ({ uuid: e.uuid, dn: e.dn, username: e.username }));
    await stop(probe.backend);

    // Import: a fresh backend and empty registry per run; the last one is kept for the rest.
    const peakByOp: Record<string, number> = {};
    const importMs: number[] = [];
    const importBase: number[] = [];
    let main: { backend: BenchBackend; realm: Realm } | undefined;
    for (let run = 1; run <= runs; run++) {
      importBase.push(await baselineAll());
      const fresh = await start(`import-${run}`);
      // As in the extension: the admin searches, picks every entry, sees the dry-run preview, then
      // imports. Only the import request is timed; the first two warm the backend as they do there.
      await fresh.backend.request(RealmSearch, { realmId: fresh.realm.id, query: '*', limit: Math.min(N, 100_000) });
      await fresh.backend.request(UserImport, { realmId: fresh.realm.id, entries: refs, dryRun: true });
      fresh.backend.resetPeakRss();
      const { ms, value: report } = await clock(() => fresh.backend.request(UserImport, { realmId: fresh.realm.id, entries: refs }));
      if (report.created !== N) throw new Error(`user/import created ${report.created} of ${N}: ${JSON.stringify(report.failed.slice(0, 3))}`);
      importMs.push(ms);
      peakByOp.import = Math.max(peakByOp.import ?? 0, fresh.backend.peakRssBytes());
      log(`  import run ${run}: ${ms.toFixed(0)} ms (ldapsearch ${importBase.at(-1)!.toFixed(0)} ms)`);
      if (run < runs) await stop(fresh.backend);
      else main = fresh;
    }
    const { backend, realm } = main!;
    const databasePath = backend.databasePath;
    const window = (operation: string) => {
      const peak = backend.resetPeakRss();
      if (operation) peakByOp[operation] = Math.max(peakByOp[operation] ?? 0, peak);
    };
    window('');
    const databaseBytes = bytesOnDisk(databasePath);

    // Search `*` against the imported registry (every status computed: imported).
    const searchMs: number[] = [];
    const searchBase: number[] = [];
    for (let run = 1; run <= runs; run++) {
      searchBase.push(await baselineAll());
      const { ms, value } = await clock(() => backend.request(RealmSearch, { realmId: realm.id, query: '*', limit: Math.min(N, 100_000) }));
      if (value.entries.length !== N) throw new Error(`realm/search * returned ${value.entries.length} entries`);
      searchMs.push(ms);
      log(`  search * run ${run}: ${ms.toFixed(0)} ms (ldapsearch ${searchBase.at(-1)!.toFixed(0)} ms)`);
    }

    window('search');
    // Resync with nothing changed: must not write a byte.
    const unchangedMs: number[] = [];
    const unchangedBase: number[] = [];
    let fileUnchanged = true;
    let unchangedUpdated = 0;
    for (let run = 1; run <= runs; run++) {
      unchangedBase.push(await baselineAll());
      const before = sha256(databasePath);
      const { ms, value } = await clock(() => backend.request(RealmResync, { realmId: realm.id }));
      unchangedUpdated = Math.max(unchangedUpdated, value.updated);
      if (sha256(databasePath) !== before) fileUnchanged = false;
      unchangedMs.push(ms);
      log(`  resync (unchanged) run ${run}: ${ms.toFixed(0)} ms (ldapsearch ${unchangedBase.at(-1)!.toFixed(0)} ms)`);
    }

    window('resyncUnchanged');
    // Resync after 10 % of the entries changed (a new value per run, applied before the clock starts).
    const tenMs: number[] = [];
    const tenBase: number[] = [];
    let modified = 0;
    let tenUpdated = Number.POSITIVE_INFINITY;
    for (let run = 1; run <= runs; run++) {
      const change = tenPercentChange(N, `r${run}`);
      await applyLdif(slapd, change.ldif);
      modified = change.changed;
      tenBase.push(await baselineAll());
      const { ms, value } = await clock(() => backend.request(RealmResync, { realmId: realm.id }));
      tenUpdated = Math.min(tenUpdated, value.updated);
      tenMs.push(ms);
      log(`  resync (10 % = ${modified} changed) run ${run}: ${ms.toFixed(0)} ms, ${value.updated} updated (ldapsearch ${tenBase.at(-1)!.toFixed(0)} ms)`);
    }

    window('resyncTenPercent');
    const result: SizeResult = {
      users: N,
      search: timed(searchMs, searchBase),
      import: timed(importMs, importBase),
      resyncUnchanged: { ...timed(unchangedMs, unchangedBase), fileUnchanged, updated: unchangedUpdated },
      resyncTenPercent: { ...timed(tenMs, tenBase), modified, updated: tenUpdated },
      peakRssBytes: 0,
      peakRssByOperation: peakByOp,
      databaseBytes,
    };

    if (options.largest) {
      // Keyword search for one user, against ldapsearch of the very filter the backend sends.
      const target = seedUser(Math.ceil(N / 2) + 1);
      const query = target.uid;
      const keywordQuery: LdapsearchQuery = { ...baseQuery, filter: buildSearchFilter(realm, query, 'keyword').filter.toString() };
      const keywordMs: number[] = [];
      const keywordBase: number[] = [];
      let found = 0;
      for (let run = 1; run <= runs; run++) {
        keywordBase.push(await timeLdapsearch(keywordQuery));
        const { ms, value } = await clock(() => backend.request(RealmSearch, { realmId: realm.id, query, mode: 'keyword' }));
        found = value.entries.length;
        keywordMs.push(ms);
        log(`  keyword "${query}" run ${run}: ${ms.toFixed(1)} ms, ${found} found (ldapsearch ${keywordBase.at(-1)!.toFixed(1)} ms)`);
      }
      result.keyword = { ...timed(keywordMs, keywordBase), query, found };

      // One user resync, durable on disk at response time, in the full database.
      const listed = await backend.request(UserList, { text: target.uid, limit: 5 });
      const user = listed.users.find((u) => u.username === target.uid);
      if (!user) throw new Error(`user ${target.uid} not found in the registry`);
      const userMs: number[] = [];
      for (let run = 1; run <= Math.max(runs, 5); run++) {
        await applyLdif(slapd, oneUserChange(target.index!, `9${run}`));
        const { ms, value } = await clock(() => backend.request(UserResync, { userId: user.id, realmId: realm.id }));
        if (value.changes.length === 0) throw new Error('user/resync saw no change');
        userMs.push(ms);
        log(`  user/resync run ${run}: ${ms.toFixed(1)} ms`);
      }
      result.userResync = { samples: userMs, summary: summarize(userMs) };
      window('keywordAndUserResync');
    }
    await stop(backend);
    result.peakRssBytes = Math.max(peakRssBytes, ...Object.values(peakByOp));
    return result;
  } finally {
    await Promise.all(backends.map((b) => b.stop().catch(() => undefined)));
    rmSync(workDir, { recursive: true, force: true });
  }
}
