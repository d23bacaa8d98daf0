// One CPU profile per operation, for finding what bounds a figure: each operation runs in its own
// backend started with --cpu-prof, so a profile holds that operation and nothing else but start-up.
//   node --import tsx scripts/bench/profileOperations.ts [users=20000] [operations=import,search,resync,resync10,user]
// Profiles land in .bench/<operation>-<users>.cpuprofile; summarize with profileSummary.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RealmList, RealmResync, RealmSave, RealmSearch, UserImport, UserList, UserResync } from '../../protocol/rpc';
import { seedUser } from '../directory/seedUsers';
import { startBenchBackend } from './backendDriver';
import { applyLdif, benchRealm, oneUserChange, startBenchDirectory, tenPercentChange } from './benchDirectory';

const repositoryRoot = resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 20_000);
  const wanted = (process.argv[3] ?? 'import,search,resync,resync10,user').split(',');
  const outDir = join(repositoryRoot, '.bench');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, '.gitignore'), '*\n');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repositoryRoot, stdio: ['ignore', 'ignore', 'pipe'] });
  const serverBundle = join(repositoryRoot, 'dist', 'server.js');
  const slapd = await startBenchDirectory(users);
  const work = mkdtempSync(join(tmpdir(), 'ldapum-benchprof-'));
  const databasePath = join(work, 'registry.sqlite');
  try {
    const session = async (name: string, profiled: boolean, fn: (b: Awaited<ReturnType<typeof startBenchBackend>>, realmId: number) => Promise<unknown>) => {
      const profDir = join(work, name);
      mkdirSync(profDir);
      const backend = await startBenchBackend({ serverBundle, databasePath, password: slapd.readerPassword, cpuProfileDir: profiled ? profDir : undefined });
      const realms = await backend.request(RealmList, {});
      const realmId = realms[0]?.id ?? (await backend.request(RealmSave, { realm: benchRealm(slapd) })).id;
      const started = performance.now();
      await fn(backend, realmId);
      console.log(`${name}: ${(performance.now() - started).toFixed(0)} ms, peak RSS ${(backend.peakRssBytes() / 1e6).toFixed(0)} MB`);
      await backend.stop();
      for (const file of readdirSync(profDir)) renameSync(join(profDir, file), join(outDir, `${name}-${users}.cpuprofile`));
    };
    const search = (b: Awaited<ReturnType<typeof startBenchBackend>>, realmId: number) => b.request(RealmSearch, { realmId, query: '*', limit: Math.min(users, 100_000) });
    const refs = (await (async () => {
      let out: { uuid: string; dn: string; username: string }[] = [];
      await session('refs', false, async (b, realmId) => {
        out = (await search(b, realmId)).entries.map((e) => ({ uuid: e.uuid, dn: e.dn, username: e.username }));
      });
      return out;
    })());
    await session('import', wanted.includes('import'), async (b, realmId) => {
      await search(b, realmId);
      await b.request(UserImport, { realmId, entries: refs, dryRun: true });
      const t = performance.now();
      await b.request(UserImport, { realmId, entries: refs });
      console.log(`  import request alone: ${(performance.now() - t).toFixed(0)} ms`);
    });
    if (wanted.includes('search')) await session('search', true, search);
    if (wanted.includes('resync')) await session('resync', true, (b, realmId) => b.request(RealmResync, { realmId }));
    if (wanted.includes('resync10')) {
      await applyLdif(slapd, tenPercentChange(users, 'p').ldif);
      await session('resync10', true, (b, realmId) => b.request(RealmResync, { realmId }));
    }
    if (wanted.includes('user')) {
      const target = seedUser(Math.ceil(users / 2) + 1);
      await session('user', true, async (b, realmId) => {
        const user = (await b.request(UserList, { text: target.uid, limit: 5 })).users.find((u) => u.username === target.uid)!;
        for (let run = 1; run <= 10; run++) {
          await applyLdif(slapd, oneUserChange(target.index!, `8${run}`));
          const t = performance.now();
          await b.request(UserResync, { userId: user.id, realmId });
          console.log(`  user/resync ${run}: ${(performance.now() - t).toFixed(1)} ms`);
        }
      });
    }
  } finally {
    await slapd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
