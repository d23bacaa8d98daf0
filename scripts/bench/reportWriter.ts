// docs/benchmarks.md: machine and versions, the medians with their ratio to ldapsearch, the
// targets of issue 9 with met / not met, and time per user across sizes.
import type { MachineInfo } from './machineInfo';
import type { SizeResult, Timed } from './measureSize';

export interface BenchResults {
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  runs: number;
  sizes: number[];
  loadAverageStart: number[];
  loadAverageEnd: number[];
  results: SizeResult[];
}

export type OperationKey = 'import' | 'search' | 'resyncUnchanged' | 'resyncTenPercent';

export const operations: { key: OperationKey; label: string }[] = [
  { key: 'import', label: 'user/import of every entry' },
  { key: 'search', label: 'realm/search `*` with statuses' },
  { key: 'resyncUnchanged', label: 'realm/resync, nothing changed' },
  { key: 'resyncTenPercent', label: 'realm/resync, 10 % modified' },
];

export function ratio(t: Timed): number {
  return t.summary.median / t.baseline.median;
}

/** Time per user of each size, and the spread (largest / smallest) across sizes. */
export function perUserSpread(results: readonly SizeResult[], key: OperationKey): { perUserMs: number[]; spread: number; worstGrowth: number } {
  const perUserMs = results.map((r) => r[key].summary.median / r.users);
  // How much the time per user rises from a smaller directory to a larger one (below 1: it falls,
  // as fixed costs such as connecting and binding are spread over more users).
  let worstGrowth = 0;
  for (let i = 0; i < perUserMs.length; i++) {
    for (let j = i + 1; j < perUserMs.length; j++) worstGrowth = Math.max(worstGrowth, perUserMs[j] / perUserMs[i]);
  }
  return { perUserMs, spread: Math.max(...perUserMs) / Math.min(...perUserMs), worstGrowth };
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const x = (n: number) => `${n.toFixed(2)}×`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const met = (ok: boolean) => (ok ? '**met**' : '**not met**');

interface TargetRow {
  figure: string;
  target: string;
  measured: string;
  ok: boolean | undefined;
}

function baselineSpread(bench: BenchResults): number {
  const perUser = bench.results.map((r) => r.search.baseline.median / r.users);
  return Math.max(...perUser) / Math.min(...perUser);
}

export function evaluateTargets(bench: BenchResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const at20k = bench.results.find((r) => r.users === 20_000) ?? bench.results[bench.results.length - 1];
  const largest = bench.results[bench.results.length - 1];
  const note = at20k && at20k.users !== 20_000 ? ` (at ${at20k.users.toLocaleString('en-US')}: 20,000 not measured)` : '';
  if (at20k) {
    rows.push({ figure: `import all, end to end${note}`, target: '≤ 2.5 × baseline', measured: `${x(ratio(at20k.import))} (${ms(at20k.import.summary.median)} ms vs ${ms(at20k.import.baseline.median)} ms)`, ok: ratio(at20k.import) <= 2.5 });
    const u = at20k.resyncUnchanged;
    rows.push({
      figure: `realm resync, nothing changed${note}`,
      target: '≤ 2 × baseline, zero rows written',
      measured: `${x(ratio(u))} (${ms(u.summary.median)} ms); ${u.updated} updated, file ${u.fileUnchanged ? 'byte-identical' : 'CHANGED'}`,
      ok: ratio(u) <= 2 && u.fileUnchanged && u.updated === 0,
    });
    rows.push({ figure: `search \`*\` with statuses${note}`, target: '≤ 2 × baseline', measured: `${x(ratio(at20k.search))} (${ms(at20k.search.summary.median)} ms vs ${ms(at20k.search.baseline.median)} ms)`, ok: ratio(at20k.search) <= 2 });
  }
  const big = `${largest?.users.toLocaleString('en-US')}`;
  if (largest?.keyword) {
    const k = largest.keyword;
    rows.push({ figure: `keyword search on ${big}`, target: '≤ 1.5 × ldapsearch of the same filter', measured: `${x(ratio(k))} (${ms(k.summary.median)} ms vs ${ms(k.baseline.median)} ms, ${k.found} found)`, ok: ratio(k) <= 1.5 });
  }
  if (largest?.userResync) {
    rows.push({ figure: `one user resync durable, ${big}-user database`, target: '≤ 100 ms median', measured: `${ms(largest.userResync.summary.median)} ms`, ok: largest.userResync.summary.median <= 100 });
  }
  if (largest) {
    rows.push({ figure: `backend peak RSS at ${big} users`, target: '≤ 400 MB', measured: mb(largest.peakRssBytes), ok: largest.peakRssBytes <= 400e6 });
  }
  if (bench.results.length >= 2) {
    const spreads = operations.map((op) => ({ op, ...perUserSpread(bench.results, op.key) }));
    const worst = Math.max(...spreads.map((s) => s.worstGrowth));
    rows.push({
      figure: `growth from ${bench.results[0].users.toLocaleString('en-US')} to ${big}`,
      target: 'linear (time per user within 1.5× across N)',
      measured:
        `time per user never rises with N by more than ${x(worst)} (${spreads.map((s) => `${s.op.key} ${x(s.worstGrowth)}`).join(', ')}); ` +
        `it falls as fixed costs spread (largest/smallest: ${spreads.map((s) => `${s.op.key} ${x(s.spread)}`).join(', ')}; ldapsearch itself ${x(baselineSpread(bench))})`,
      ok: worst <= 1.5,
    });
  }
  return rows;
}

export function renderMarkdown(bench: BenchResults): string {
  const m = bench.machine;
  const lines: string[] = [];
  lines.push('# Benchmarks');
  lines.push('');
  lines.push('Generated by `npm run bench` (scripts/bench/main.ts); do not edit by hand. Raw figures: [bench-results.json](bench-results.json).');
  lines.push('Every figure is the median of the runs; each run is paired with, and measured right after, an');
  lines.push('`ldapsearch -E pr=500/noprompt` of the same filter and attributes over the same LDAPS connection type');
  lines.push('as the same bind identity (the realm\'s reader account), output to /dev/null: the floor the directory itself sets.');
  lines.push('Ratios are operation median / paired ldapsearch median.');
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`| | |`);
  lines.push(`|---|---|`);
  lines.push(`| date | ${bench.startedAt} → ${bench.finishedAt} |`);
  lines.push(`| CPU | ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB |`);
  lines.push(`| kernel | ${m.kernel} |`);
  lines.push(`| Node.js | ${m.node} |`);
  lines.push(`| OpenLDAP | ${m.slapd}; ${m.ldapsearch} |`);
  lines.push(`| sql.js / ldapts | ${m.sqlJs} / ${m.ldapts} |`);
  lines.push(`| commit | ${m.commit} |`);
  lines.push(`| runs per figure | ${bench.runs} |`);
  lines.push(`| load average (1/5/15 min) | start ${bench.loadAverageStart.join(' / ')}; end ${bench.loadAverageEnd.join(' / ')} |`);
  lines.push('');
  lines.push('The directory: slapd (mdb) on 127.0.0.1 seeded with N users, eq + sub indexes on uid, cn, mail (and givenName, sn),');
  lines.push('entryUUID eq; the realm reads over LDAPS with page size 500. The backend is `node dist/server.js --stdio`, driven over');
  lines.push('JSON-RPC exactly as the extension drives it. Import times run from request sent to response received, and the response');
  lines.push('is only sent once the registry file on disk holds the import.');
  lines.push('');
  lines.push('## Targets (issue 9)');
  lines.push('');
  lines.push('| figure | target | measured | |');
  lines.push('|---|---|---|---|');
  for (const row of evaluateTargets(bench)) lines.push(`| ${row.figure} | ${row.target} | ${row.measured} | ${row.ok === undefined ? '' : met(row.ok)} |`);
  lines.push('');
  lines.push('## Medians by size');
  lines.push('');
  lines.push('| users | operation | median ms | min–max ms | ldapsearch median ms | ratio | µs per user |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|');
  for (const r of bench.results) {
    for (const op of operations) {
      const t = r[op.key];
      lines.push(`| ${r.users.toLocaleString('en-US')} | ${op.label} | ${ms(t.summary.median)} | ${ms(t.summary.min)}–${ms(t.summary.max)} | ${ms(t.baseline.median)} | ${x(ratio(t))} | ${((t.summary.median * 1000) / r.users).toFixed(1)} |`);
    }
    if (r.keyword) {
      const k = r.keyword;
      lines.push(`| ${r.users.toLocaleString('en-US')} | keyword search "${k.query}" (${k.found} found) | ${ms(k.summary.median)} | ${ms(k.summary.min)}–${ms(k.summary.max)} | ${ms(k.baseline.median)} | ${x(ratio(k))} | |`);
    }
    if (r.userResync) {
      const u = r.userResync.summary;
      lines.push(`| ${r.users.toLocaleString('en-US')} | one user/resync, durable | ${ms(u.median)} | ${ms(u.min)}–${ms(u.max)} | | | |`);
    }
  }
  lines.push('');
  lines.push('| users | backend peak RSS (VmHWM) | peak by operation | database on disk | resync unchanged: rows written | resync 10 %: modified / updated |');
  lines.push('|---:|---:|---|---:|---|---|');
  for (const r of bench.results) {
    const byOp = Object.entries(r.peakRssByOperation ?? {}).map(([op, bytes]) => `${op} ${mb(bytes)}`).join(', ');
    lines.push(
      `| ${r.users.toLocaleString('en-US')} | ${mb(r.peakRssBytes)} | ${byOp} | ${mb(r.databaseBytes)} | ${r.resyncUnchanged.updated} (file ${r.resyncUnchanged.fileUnchanged ? 'byte-identical' : 'changed'}) | ${r.resyncTenPercent.modified} / ${r.resyncTenPercent.updated} |`,
    );
  }
  lines.push('');
  lines.push('## Scaling');
  lines.push('');
  lines.push('![time vs N](bench-scaling.svg)');
  lines.push('');
  if (bench.results.length >= 2) {
    lines.push(`| operation | ${bench.results.map((r) => `µs/user at ${r.users.toLocaleString('en-US')}`).join(' | ')} | largest/smallest | worst rise with N |`);
    lines.push(`|---|${bench.results.map(() => '---:').join('|')}|---:|---:|`);
    const baselinePerUser = bench.results.map((r) => r.search.baseline.median / r.users);
    const baselineSpreadValue = baselineSpread(bench);
    lines.push(`| ldapsearch (baseline) | ${baselinePerUser.map((v) => (v * 1000).toFixed(1)).join(' | ')} | ${x(baselineSpreadValue)} | |`);
    for (const op of operations) {
      const s = perUserSpread(bench.results, op.key);
      lines.push(`| ${op.label} | ${s.perUserMs.map((v) => (v * 1000).toFixed(1)).join(' | ')} | ${x(s.spread)} | ${x(s.worstGrowth)} |`);
    }
    lines.push('');
  }
  lines.push('## What bounds the figures (profiles)');
  lines.push('');
  lines.push('Profile any figure with `BENCH_CPU_PROF=1 npm run bench` (V8 CPU profiles of every backend in `.bench/`), or one');
  lines.push('operation per backend with `node --import tsx scripts/bench/profileOperations.ts 20000 import,search,resync,resync10,user`,');
  lines.push('then `node --import tsx scripts/bench/profileSummary.ts .bench/<file>.cpuprofile` (self and inclusive time per function).');
  lines.push('What the profiles taken while tuning showed (20,000 users):');
  lines.push('');
  lines.push('- **import**: the SQLite work inside sql.js (wasm) is the floor: three inserts per user (user row with its unique');
  lines.push('  username and (realm, UUID) indexes, role assignment, audit row) cost ~0.8 s per 20,000 users even as one');
  lines.push('  `INSERT … SELECT FROM json_each(?)` (per-row binds are only ~10 % slower), plus the full-image save (~0.3 s) and the');
  lines.push('  paged read parsed in JavaScript by ldapts (~0.6–0.9 s, BER decoding and GC). ldapsearch pays none of the first two.');
  lines.push('  Reaching 2.5× would need the read and the inserts to overlap (insert each page while the next is fetched) inside');
  lines.push('  one transaction that stays open across network waits, which the store deliberately does not allow today.');
  lines.push('- **search `*`**: ldapts decoding + entry mapping (~55 %), the registry read for statuses (~20 %), GC, and the JSON-RPC');
  lines.push('  response of every entry (serialized by the backend and parsed by the client, as the extension does).');
  lines.push('- **one user resync**: a full-image rewrite + fsync per write made this ~300–500 ms at 20,000 users; large registries');
  lines.push('  (≥ 8 MiB) now append the changed rows to `<db>.journal` (one fsync) and fold it into the file at close or when large.');
  lines.push('- **peak RSS at 100,000**: the search that returns all 100,000 entries (entries, statuses and the JSON response at');
  lines.push('  once); an import stays lower. Complete reads and searches no longer keep raw attribute values they do not use.');
  lines.push('');
  return `${lines.join('\n')}\n`;
}
