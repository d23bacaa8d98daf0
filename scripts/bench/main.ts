// `npm run bench`: import, search and sync at 1k–100k users, timed against OpenLDAP's own
// ldapsearch as the floor (issue 9). Starts its own slapd on loopback per size, drives the built
// backend over JSON-RPC as the extension does, and writes docs/benchmarks.md,
// docs/bench-results.json and docs/bench-scaling.svg. Not part of `npm test`.
//
//   BENCH_SIZES=1000,5000,20000,100000  directory sizes (users)
//   BENCH_RUNS=5                        runs per figure (the median is reported)
//   BENCH_CPU_PROF=1                    backends write V8 CPU profiles into .bench/
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startBenchDirectory } from './benchDirectory';
import { describeMachine, loadAverage } from './machineInfo';
import { measureSize, type SizeResult } from './measureSize';
import { renderMarkdown, type BenchResults } from './reportWriter';
import { renderScalingSvg } from './scalingPlot';

const repositoryRoot = resolve(__dirname, '..', '..');

function parseSizes(text: string | undefined): number[] {
  const sizes = (text ?? '1000,5000,20000,100000').split(',').map((s) => Number(s.trim()));
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 10 || n > 100_000)) {
    throw new Error('BENCH_SIZES takes comma-separated whole numbers from 10 to 100000, e.g. 1000,5000,20000.');
  }
  return [...new Set(sizes)].sort((a, b) => a - b);
}

function parseRuns(text: string | undefined): number {
  const runs = Number(text ?? '5');
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error('BENCH_RUNS takes a whole number from 1 to 50.');
  return runs;
}

function writeOutputs(results: BenchResults): void {
  const docs = join(repositoryRoot, 'docs');
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'bench-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(docs, 'benchmarks.md'), renderMarkdown(results));
  writeFileSync(join(docs, 'bench-scaling.svg'), renderScalingSvg(results));
}

async function main(): Promise<void> {
  const sizes = parseSizes(process.env.BENCH_SIZES);
  const runs = parseRuns(process.env.BENCH_RUNS);
  const profile = process.env.BENCH_CPU_PROF === '1';
  const cpuProfileDir = profile ? join(repositoryRoot, '.bench') : undefined;
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    writeFileSync(join(cpuProfileDir, '.gitignore'), '*\n');
  }

  console.log('Building dist/server.js …');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const serverBundle = join(repositoryRoot, 'dist', 'server.js');

  const results: BenchResults = {
    machine: describeMachine(repositoryRoot),
    startedAt: new Date().toISOString(),
    finishedAt: '',
    runs,
    sizes,
    loadAverageStart: loadAverage(),
    loadAverageEnd: loadAverage(),
    results: [],
  };
  for (const users of sizes) {
    const largest = users === sizes[sizes.length - 1];
    console.log(`\n${users} users: seeding slapd (eq+sub indexes on uid, cn, mail) …`);
    const seeded = performance.now();
    const slapd = await startBenchDirectory(users);
    let result: SizeResult;
    try {
      console.log(`  seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s; load average ${loadAverage().join(' ')}`);
      result = await measureSize(slapd, { runs, serverBundle, cpuProfileDir, largest, log: (m) => console.log(m) });
    } finally {
      await slapd.stop();
    }
    results.results.push(result);
    results.loadAverageEnd = loadAverage();
    results.finishedAt = new Date().toISOString();
    writeOutputs(results); // after every size, so a long run leaves its figures so far
  }
  console.log(`\nWrote docs/benchmarks.md, docs/bench-results.json, docs/bench-scaling.svg${cpuProfileDir ? `; CPU profiles in ${cpuProfileDir}` : ''}.`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
