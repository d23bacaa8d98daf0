// Deterministic test population for the OpenLDAP test directory: base entries, N plausible users
// spread over department OUs under ou=People, some "disabled-looking" accounts, and the awkward
// users that break naive code (non-ASCII, emoji, CJK, DN escaping, significant spaces, binary
// values, missing optional attributes). The same inputs always give the same entries, so tests can
// compute what the server must hold (seedUser(i)) instead of reading it back.

import { open } from 'node:fs/promises';
import { entryToLdif, escapeDnValue, escapeDnValueAsSlapd, type LdifEntry, type LdifValue } from './ldif';

export const DEFAULT_BASE_DN = 'dc=example,dc=test';

export const DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'Human Resources'] as const;
const TITLES = ['Engineer', 'Senior Engineer', 'Manager', 'Analyst', 'Director', 'Specialist', 'Consultant', 'Coordinator'];
const GIVEN_NAMES = [
  'Alice', 'Bob', 'Carol', 'David', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Katarina', 'Liam',
  'Maria', 'Nikhil', 'Olivia', 'Pedro', 'Quinn', 'Rosa', 'Sven', 'Tara', 'Umar', 'Valentina', 'Wei', 'Yusuf',
];
const SURNAMES = [
  'Smith', 'Johnson', 'Nguyen', 'Garcia', 'Muller', 'Rossi', 'Kowalski', 'Tanaka', 'Okafor', 'Silva', 'Haddad',
  'Larsen', 'Dubois', 'Novak', 'Petrov', 'Schmidt', 'Fischer', 'Costa', 'Ahmed', 'Kim', 'Murphy', 'Lopez', 'Berg',
];

/** Every DISABLED_EVERY-th regular user lives in ou=Disabled,ou=People with a "disabled" description. */
export const DISABLED_EVERY = 50;
/** Regular users 1..PASSWORD_USERS get a userPassword (bind tests); the rest have none (like real bulk data). */
export const PASSWORD_USERS = 5;

/**
 * One person entry as the seed writes it. Optional fields are absent from the entry when undefined.
 * `dn` is spelled exactly as slapd returns it (e.g. `\2C` for an escaped comma).
 */
export interface SeedUser {
  dn: string;
  /** Index of a regular user (1-based); undefined for the awkward users. */
  index?: number;
  uid: string;
  cn: string;
  givenName?: string;
  sn: string;
  mail?: string;
  departmentNumber?: string;
  title?: string;
  telephoneNumber?: string;
  employeeNumber?: string;
  description?: string;
  /** Cleartext password the entry can bind with (only a few users have one). */
  userPassword?: string;
  jpegPhoto?: Buffer;
  /** Name of the OU directly holding the entry (e.g. 'Engineering', 'Disabled'). */
  ou: string;
  /** True for the accounts that look disabled (ou=Disabled + description). */
  disabled: boolean;
}

export function peopleDn(baseDn = DEFAULT_BASE_DN): string {
  return `ou=People,${baseDn}`;
}

export function departmentDn(department: string, baseDn = DEFAULT_BASE_DN): string {
  return `ou=${escapeDnValue(department)},${peopleDn(baseDn)}`;
}

/** The password of a regular user that has one (index <= PASSWORD_USERS). */
export function regularUserPassword(index: number): string {
  return `Us3r-Passw0rd-${index}`;
}

/** Regular user number `index` (1-based). Pure function of (index, baseDn). */
export function seedUser(index: number, baseDn = DEFAULT_BASE_DN): SeedUser {
  const givenName = GIVEN_NAMES[index % GIVEN_NAMES.length];
  const sn = SURNAMES[(index * 7 + Math.floor(index / GIVEN_NAMES.length)) % SURNAMES.length];
  const uid = `${givenName.toLowerCase()}.${sn.toLowerCase()}${index}`;
  const department = DEPARTMENTS[index % DEPARTMENTS.length];
  const disabled = index % DISABLED_EVERY === 0;
  const ou = disabled ? 'Disabled' : department;
  return {
    dn: `uid=${uid},${departmentDn(ou, baseDn)}`,
    index,
    uid,
    cn: `${givenName} ${sn}`,
    givenName,
    sn,
    mail: `${uid}@example.test`,
    departmentNumber: department,
    title: TITLES[index % TITLES.length],
    telephoneNumber: `+1 555 ${String(index).padStart(7, '0')}`,
    employeeNumber: String(index),
    description: disabled ? 'Disabled account: left the company' : undefined,
    userPassword: index <= PASSWORD_USERS ? regularUserPassword(index) : undefined,
    ou,
    disabled,
  };
}

/** A tiny but well-formed JPEG (SOI, APP0/JFIF, EOI) — bytes that are not valid UTF-8. */
export const AWKWARD_JPEG = Buffer.from(
  'ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffd9',
  'hex',
);

/** Shared password of the awkward users, so tests can bind as them too. */
export const AWKWARD_PASSWORD = 'Awkw4rd-Passw0rd!';

function awkward(baseDn: string, ou: string, rdn: string, fields: Omit<SeedUser, 'dn' | 'ou' | 'disabled'>): SeedUser {
  return { dn: `${rdn},${departmentDn(ou, baseDn)}`, ou, disabled: false, ...fields };
}

/** The awkward users, by a stable key. Their values are exactly what the server holds. */
export function awkwardUsers(baseDn = DEFAULT_BASE_DN) {
  return {
    /** Latin-1 diaeresis in every name field. */
    zoe: awkward(baseDn, 'Engineering', 'uid=zoe.muller', {
      uid: 'zoe.muller', cn: 'Zoë Müller', givenName: 'Zoë', sn: 'Müller', mail: 'zoe.muller@example.test',
      departmentNumber: 'Engineering', title: 'Engineer', telephoneNumber: '+49 30 1234567', userPassword: AWKWARD_PASSWORD,
    }),
    /** An emoji (astral plane, surrogate pair in JS) in the common name. */
    emoji: awkward(baseDn, 'Marketing', 'uid=rocket.rita', {
      uid: 'rocket.rita', cn: 'Rita 🚀 Rocket', givenName: 'Rita', sn: 'Rocket', mail: 'rocket.rita@example.test',
      departmentNumber: 'Marketing', title: 'Growth Hacker 🚀',
    }),
    /** CJK name (no spaces, family name first). */
    cjk: awkward(baseDn, 'Sales', 'uid=wang.xiaoming', {
      uid: 'wang.xiaoming', cn: '王小明', givenName: '小明', sn: '王', mail: 'wang.xiaoming@example.test',
      departmentNumber: 'Sales', title: '销售经理',
    }),
    /** cn is the RDN and contains a comma and parentheses: DN `cn=Doe\2C John (contractor),...` (slapd's spelling of `Doe\, John`). */
    contractor: awkward(baseDn, 'Contractors', `cn=${escapeDnValueAsSlapd('Doe, John (contractor)')}`, {
      uid: 'jdoe.contractor', cn: 'Doe, John (contractor)', givenName: 'John', sn: 'Doe',
      mail: 'john.doe.contractor@example.test', departmentNumber: 'Engineering', title: 'Contractor',
      userPassword: AWKWARD_PASSWORD,
    }),
    /** Leading and trailing spaces in cn (stored as given; LDAP matching ignores them). */
    spaces: awkward(baseDn, 'Support', 'uid=spacey', {
      uid: 'spacey', cn: '  Spacey McSpaceface  ', givenName: 'Spacey', sn: 'McSpaceface', mail: 'spacey@example.test',
      departmentNumber: 'Support', title: 'Specialist',
    }),
    /** A binary attribute (jpegPhoto). */
    photo: awkward(baseDn, 'Finance', 'uid=pat.photo', {
      uid: 'pat.photo', cn: 'Pat Photo', givenName: 'Pat', sn: 'Photo', mail: 'pat.photo@example.test',
      departmentNumber: 'Finance', title: 'Analyst', jpegPhoto: AWKWARD_JPEG,
    }),
    /** Only the mandatory attributes (no givenName, mail, department, title, phone). */
    minimal: awkward(baseDn, 'Human Resources', 'uid=nomail', {
      uid: 'nomail', cn: 'Nomail Person', sn: 'Person',
    }),
    /** Disabled-looking account with a non-ASCII description. */
    disabled: {
      ...awkward(baseDn, 'Disabled', 'uid=old.timer', {
        uid: 'old.timer', cn: 'Old Timer', givenName: 'Old', sn: 'Timer', mail: 'old.timer@example.test',
        departmentNumber: 'Finance', title: 'Retired', description: 'Disabled account — left 2024-03-31',
      }),
      disabled: true,
    },
  } satisfies Record<string, SeedUser>;
}

export type AwkwardUsers = ReturnType<typeof awkwardUsers>;

export function personEntry(u: SeedUser): LdifEntry {
  const attrs: Array<[string, LdifValue]> = [
    ['objectClass', 'inetOrgPerson'],
    ['uid', u.uid],
    ['cn', u.cn],
    ['sn', u.sn],
  ];
  const optional: Array<[string, LdifValue | undefined]> = [
    ['givenName', u.givenName],
    ['displayName', u.givenName != null ? `${u.givenName} ${u.sn}` : undefined],
    ['mail', u.mail],
    ['departmentNumber', u.departmentNumber],
    ['title', u.title],
    ['telephoneNumber', u.telephoneNumber],
    ['employeeNumber', u.employeeNumber],
    ['description', u.description],
    ['userPassword', u.userPassword],
    ['jpegPhoto', u.jpegPhoto],
  ];
  for (const [name, value] of optional) if (value != null) attrs.push([name, value]);
  return { dn: u.dn, attributes: attrs };
}

export interface SeedAccounts {
  baseDn: string;
  readerDn: string;
  readerPassword: string;
}

/** Suffix, OUs, groups and the service account the tests bind as. */
export function baseEntries(accounts: SeedAccounts): LdifEntry[] {
  const b = accounts.baseDn;
  const dc = /^dc=([^,]+)/i.exec(b)?.[1] ?? 'example';
  const ou = (name: string, parent: string): LdifEntry => ({
    dn: `ou=${escapeDnValue(name)},${parent}`,
    attributes: [['objectClass', 'organizationalUnit'], ['ou', name]],
  });
  const readerCn = /^cn=([^,]+)/i.exec(accounts.readerDn)?.[1] ?? 'reader';
  return [
    { dn: b, attributes: [['objectClass', 'dcObject'], ['objectClass', 'organization'], ['dc', dc], ['o', 'Example Test Org']] },
    ou('People', b),
    ...[...DEPARTMENTS, 'Contractors', 'Disabled'].map((d) => ou(d, peopleDn(b))),
    ou('Groups', b),
    ou('System', b),
    {
      dn: accounts.readerDn,
      attributes: [
        ['objectClass', 'applicationProcess'], ['objectClass', 'simpleSecurityObject'],
        ['cn', readerCn], ['userPassword', accounts.readerPassword],
        ['description', 'Read-only service account, size-limited like a normal directory user'],
      ],
    },
  ];
}

/** Groups over the first regular users (groupOfNames needs at least one member). */
function groupEntries(baseDn: string, users: number): LdifEntry[] {
  if (users < 1) return [];
  const members = (pick: (i: number) => boolean): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    for (let i = 1; i <= Math.min(users, 60); i++) if (pick(i)) out.push(['member', seedUser(i, baseDn).dn]);
    return out.length > 0 ? out : [['member', seedUser(1, baseDn).dn]];
  };
  return [
    { dn: `cn=engineering,ou=Groups,${baseDn}`, attributes: [['objectClass', 'groupOfNames'], ['cn', 'engineering'], ...members((i) => i % DEPARTMENTS.length === 0)] },
    { dn: `cn=everyone-early,ou=Groups,${baseDn}`, attributes: [['objectClass', 'groupOfNames'], ['cn', 'everyone-early'], ...members(() => true)] },
  ];
}

export interface SeedOptions extends SeedAccounts {
  /** Number of regular users (user 1..users). */
  users: number;
  /** Include the awkward users (default true). */
  awkward?: boolean;
  /** Extra LDIF content records appended verbatim after the seed. */
  extraLdif?: string;
}

/** All person entries of a seed, regular users first, in DN-parent-safe order. */
export function seedPeople(opts: { baseDn: string; users: number; awkward?: boolean }): SeedUser[] {
  const out: SeedUser[] = [];
  for (let i = 1; i <= opts.users; i++) out.push(seedUser(i, opts.baseDn));
  if (opts.awkward !== false) out.push(...Object.values(awkwardUsers(opts.baseDn)));
  return out;
}

/**
 * Writes the whole seed (base entries, users, awkward users, groups, extra LDIF) to `path`,
 * streaming in ~1 MB chunks so 100,000 users take well under a second and little memory.
 * Returns the number of entries written (not counting extraLdif).
 */
export async function writeSeedLdif(path: string, opts: SeedOptions): Promise<number> {
  const fh = await open(path, 'w');
  let count = 0;
  let chunk = '';
  const flush = async (force: boolean) => {
    if (chunk.length >= 1 << 20 || (force && chunk.length > 0)) {
      await fh.write(chunk);
      chunk = '';
    }
  };
  try {
    for (const e of baseEntries(opts)) {
      chunk += entryToLdif(e);
      count++;
    }
    for (let i = 1; i <= opts.users; i++) {
      chunk += entryToLdif(personEntry(seedUser(i, opts.baseDn)));
      count++;
      await flush(false);
    }
    if (opts.awkward !== false) {
      for (const u of Object.values(awkwardUsers(opts.baseDn))) {
        chunk += entryToLdif(personEntry(u));
        count++;
      }
    }
    for (const g of groupEntries(opts.baseDn, opts.users)) {
      chunk += entryToLdif(g);
      count++;
    }
    if (opts.extraLdif) chunk += opts.extraLdif.endsWith('\n\n') ? opts.extraLdif : opts.extraLdif.replace(/\n*$/, '\n\n');
    await flush(true);
  } finally {
    await fh.close();
  }
  return count;
}
