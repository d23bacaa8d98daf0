// The directory reads import and resync rely on, in-process against a real slapd: a complete
// read returns every user or throws — a server restarted or frozen between pages, or a cancel,
// never yields a partial population — and lookups by uuid / DN / username find exactly the
// entries asked for, inside the realm's scope only.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes } from '../../protocol/errors';
import type { Realm } from '../../protocol/model';
import { readAllUsers, readDirectoryEntries } from '../../server/realms/directoryReader';
import { findCandidates, lookupEntries } from '../../server/realms/entryLookup';
import { validateRealmInput } from '../../server/realms/realmInput';
import { startSlapd, type SlapdHandle } from '../../scripts/directory/slapd';

let slapd: SlapdHandle;
let realm: Realm;
let password: string;

before(async () => {
  slapd = await startSlapd({ users: 1500 });
  password = slapd.readerPassword;
  realm = {
    ...validateRealmInput({
      name: 'Reader test',
      kind: 'openldap',
      url: slapd.ldapsUrl,
      caCertPath: slapd.caCertPath,
      bindDn: slapd.readerDn,
      baseDn: slapd.baseDn,
      pageSize: 100,
      connectTimeoutMs: 2000,
      timeoutMs: 2000,
    }),
    id: 1,
    createdAt: '',
    updatedAt: '',
  };
});
after(async () => {
  await slapd?.stop();
});

function code(expected: number) {
  return (err: unknown) => {
    assert.ok(err instanceof ResponseError, String(err));
    assert.equal(err.code, expected, err.message);
    return true;
  };
}

describe('complete directory reads', () => {
  test('read every user, page by page, with progress', async () => {
    const progress: number[] = [];
    const read = await readAllUsers(realm, { password, onProgress: (n) => progress.push(n) });
    assert.equal(read.entries.length, slapd.users.length);
    assert.equal(read.unmappable.length, 0);
    assert.equal(read.truncated, false);
    assert.ok(progress.length >= 15, `${progress.length} pages`);
    assert.equal(progress[progress.length - 1], slapd.users.length);
  });

  test('with every attribute requested, binary values come as base64 and password hashes never come', async () => {
    const admin = { ...realm, bindDn: slapd.adminDn };
    const read = await readAllUsers(admin, { password: slapd.adminPassword, extraAttributes: ['*'] });
    const photo = read.entries.find((e) => e.entry.username === 'pat.photo')!;
    assert.equal(photo.rawAttributes.jpegPhoto[0], `base64:${slapd.awkward.photo.jpegPhoto!.toString('base64')}`);
    const zoe = read.entries.find((e) => e.entry.username === 'zoe.muller')!;
    assert.ok(Object.keys(zoe.rawAttributes).length > 5);
    assert.ok(!Object.keys(zoe.rawAttributes).some((k) => k.toLowerCase() === 'userpassword'), 'the admin can read userPassword; it is not copied');
  });

  test('a server restarted between pages fails the read instead of returning what came so far', async () => {
    let restarting: Promise<void> | undefined;
    await assert.rejects(
      readAllUsers(realm, {
        password,
        onProgress: (n) => {
          if (n === 300 && !restarting) restarting = slapd.restart();
        },
      }),
      code(ErrorCodes.cannotConnect),
    );
    await restarting;
    assert.equal((await readAllUsers(realm, { password })).entries.length, slapd.users.length, 'a later read works');
  });

  test('a server frozen between pages fails the read within the timeout', async () => {
    let pausing: Promise<void> | undefined;
    const started = performance.now();
    try {
      await assert.rejects(
        readAllUsers(realm, {
          password,
          onProgress: (n) => {
            if (n === 200 && !pausing) pausing = slapd.pause();
          },
        }),
        code(ErrorCodes.timeout),
      );
      assert.ok(performance.now() - started < 6000);
    } finally {
      await pausing;
      await slapd.resume();
    }
  });

  test('a cancelled read rejects with RequestCancelled', async () => {
    const controller = new AbortController();
    await assert.rejects(
      readAllUsers(realm, { password, signal: controller.signal, onProgress: (n) => n >= 200 && controller.abort() }),
      code(-32800),
    );
  });

  test('a wrong base DN is reported as such (1002 naming baseDn)', async () => {
    await assert.rejects(readAllUsers({ ...realm, baseDn: `ou=Nowhere,${slapd.baseDn}` }, { password }), (err: unknown) => {
      assert.ok(err instanceof ResponseError);
      assert.equal(err.code, ErrorCodes.invalidInput);
      assert.equal((err.data as { field?: string }).field, 'baseDn');
      assert.match(err.message, /base DN .* does not exist/);
      return true;
    });
  });

  test('scope "one" reads only the direct children of the base', async () => {
    const engineering = `ou=Engineering,${slapd.peopleDn}`;
    const read = await readDirectoryEntries({ ...realm, baseDn: engineering, scope: 'one' }, { password });
    const expected = slapd.users.filter((u) => u.dn.toLowerCase().endsWith(`,${engineering.toLowerCase()}`)).length;
    assert.equal(read.entries.length, expected);
  });
});

describe('lookups', () => {
  test('by uuid, DN and username; unknown or out-of-scope references are reported', async () => {
    const all = await readAllUsers(realm, { password });
    const zoe = all.entries.find((e) => e.entry.username === 'zoe.muller')!.entry;
    const contractor = all.entries.find((e) => e.entry.username === 'jdoe.contractor')!.entry;
    const results = await lookupEntries(
      realm,
      [
        { uuid: zoe.uuid.toUpperCase() },
        { dn: contractor.dn },
        { username: 'SPACEY' },
        { uuid: '00000000-0000-0000-0000-000000000000' },
        { dn: slapd.readerDn },
        { username: 'nobody.here' },
        {},
      ],
      { password },
    );
    assert.equal('found' in results[0] && results[0].found.entry.username, 'zoe.muller');
    assert.equal('found' in results[1] && results[1].found.entry.username, 'jdoe.contractor');
    assert.equal('found' in results[2] && results[2].found.entry.username, 'spacey');
    assert.match('problem' in results[3] ? results[3].problem : '', /No entry with entryUUID/);
    assert.match('problem' in results[4] ? results[4].problem : '', /matching the realm's user filter/, 'the reader account is not a user');
    assert.match('problem' in results[5] ? results[5].problem : '', /No entry with uid "nobody.here"/);
    assert.match('problem' in results[6] ? results[6].problem : '', /no uuid, dn or username/);
  });

  test('many uuids in few requests', async () => {
    const all = await readAllUsers(realm, { password });
    const refs = all.entries.slice(0, 450).map((e) => ({ uuid: e.entry.uuid }));
    const results = await lookupEntries(realm, refs, { password });
    assert.deepEqual(
      results.map((r) => ('found' in r ? r.found.entry.uuid : r.problem)),
      refs.map((r) => r.uuid),
    );
  });

  test('resync candidates: the uuid match first, then username matches', async () => {
    const all = await readAllUsers(realm, { password });
    const zoe = all.entries.find((e) => e.entry.username === 'zoe.muller')!.entry;
    const spacey = all.entries.find((e) => e.entry.username === 'spacey')!.entry;
    const candidates = await findCandidates(realm, { uuid: zoe.uuid, username: 'spacey' }, { password });
    assert.deepEqual(candidates.map((c) => c.entry.uuid), [zoe.uuid, spacey.uuid]);
    assert.deepEqual(await findCandidates(realm, { uuid: zoe.uuid, username: 'zoe.muller' }, { password }).then((c) => c.length), 1);
  });
});
