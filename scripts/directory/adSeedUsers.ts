// Deterministic Active Directory population for the Samba AD DC test directory: N bulk users in
// OU=Staff (no passwords, like real bulk data; some disabled with bit 0x2 set in different
// userAccountControl values), a few awkward users (DN escaping, non-ASCII, a GUID whose bytes are
// valid UTF-8), a few users with passwords for bind tests, an empty OU for moves and a read-only
// service account. Tests compute what the DC must hold from adSeedUser(i) instead of reading it back.

import { entryToLdif, escapeDnValue, type LdifEntry } from './ldif';

export const AD_REALM = 'SAMDOM.TEST';
export const AD_NETBIOS_DOMAIN = 'SAMDOM';
export const AD_DNS_DOMAIN = 'samdom.test';
export const AD_BASE_DN = 'DC=samdom,DC=test';
export const AD_STAFF_OU = `OU=Staff,${AD_BASE_DN}`;
/** Empty at seed time: tests move users here. */
export const AD_FORMER_STAFF_OU = `OU=Former Staff,${AD_BASE_DN}`;
export const AD_SERVICE_OU = `OU=Service Accounts,${AD_BASE_DN}`;

export const AD_ADMIN_PASSWORD = 'Passw0rd!Admin';
export const AD_READER_SAM = 'ldap-reader';
export const AD_READER_PASSWORD = 'Re4der!Passw0rd';
/** Password of the users in AD_PASSWORD_USERS. */
export const AD_USER_PASSWORD = 'Us3r!Passw0rd';

// userAccountControl flags (MS-ADTS 2.2.16)
export const UAC_ACCOUNTDISABLE = 0x2;
export const UAC_NORMAL_ACCOUNT = 0x200;
export const UAC_DONT_EXPIRE_PASSWORD = 0x10000;

export const AD_DEPARTMENTS = ['Engineering', 'Sales', 'Marketing', 'Finance', 'Support', 'Human Resources'] as const;
const TITLES = ['Engineer', 'Manager', 'Analyst', 'Director', 'Specialist', 'Consultant'];
const GIVEN_NAMES = ['Alice', 'Bob', 'Carol', 'David', 'Emma', 'Farid', 'Grace', 'Hiro', 'Ines', 'Jamal', 'Katarina', 'Liam'];
const SURNAMES = ['Smith', 'Nguyen', 'Garcia', 'Rossi', 'Kowalski', 'Tanaka', 'Okafor', 'Silva', 'Haddad', 'Larsen', 'Dubois'];

/** One AD user as the seed writes it. */
export interface AdSeedUser {
  dn: string;
  /** 1-based index of a bulk user; undefined for the special users. */
  index?: number;
  sAMAccountName: string;
  userPrincipalName: string;
  cn: string;
  givenName?: string;
  sn?: string;
  displayName?: string;
  mail?: string;
  department?: string;
  title?: string;
  telephoneNumber?: string;
  userAccountControl: number;
  /** Set only where the seed forces the GUID (Microsoft text form). */
  objectGUID?: string;
  /** Cleartext password the user can bind with (only a few have one). */
  password?: string;
}

/** Bulk users whose index is ≡ 0 (mod 100) are disabled with 514, ≡ 50 with 66050 (never just "== 514"). */
export function adBulkUserAccountControl(index: number): number {
  if (index % 100 === 0) return UAC_NORMAL_ACCOUNT | UAC_ACCOUNTDISABLE; // 514
  if (index % 100 === 50) return UAC_NORMAL_ACCOUNT | UAC_DONT_EXPIRE_PASSWORD | UAC_ACCOUNTDISABLE; // 66050
  if (index % 10 === 3) return UAC_NORMAL_ACCOUNT | UAC_DONT_EXPIRE_PASSWORD; // 66048, enabled
  return UAC_NORMAL_ACCOUNT; // 512
}

export function isDisabledUac(uac: number): boolean {
  return (uac & UAC_ACCOUNTDISABLE) !== 0;
}

export function adBulkSam(index: number): string {
  return `user${String(index).padStart(5, '0')}`;
}

/** Bulk user number `index` (1-based). Pure function of the index. */
export function adSeedUser(index: number): AdSeedUser {
  const sam = adBulkSam(index);
  const givenName = GIVEN_NAMES[index % GIVEN_NAMES.length];
  const sn = SURNAMES[(index * 7 + Math.floor(index / GIVEN_NAMES.length)) % SURNAMES.length];
  return {
    dn: `CN=${sam},${AD_STAFF_OU}`,
    index,
    sAMAccountName: sam,
    userPrincipalName: `${sam}@${AD_DNS_DOMAIN}`,
    cn: sam,
    givenName,
    sn,
    displayName: `${givenName} ${sn}`,
    mail: `${givenName.toLowerCase()}.${sn.toLowerCase()}${index}@${AD_DNS_DOMAIN}`,
    department: AD_DEPARTMENTS[index % AD_DEPARTMENTS.length],
    title: TITLES[index % TITLES.length],
    telephoneNumber: `+1 555 ${String(index).padStart(7, '0')}`,
    userAccountControl: adBulkUserAccountControl(index),
  };
}

function special(sam: string, cn: string, fields: Partial<AdSeedUser>, ou = AD_STAFF_OU): AdSeedUser {
  return {
    dn: `CN=${escapeDnValue(cn)},${ou}`,
    sAMAccountName: sam,
    userPrincipalName: `${sam}@${AD_DNS_DOMAIN}`,
    cn,
    userAccountControl: UAC_NORMAL_ACCOUNT,
    ...fields,
  };
}

/** Users with a password in OU=Staff: three enabled, one disabled (bind must be refused, data 533). */
export const AD_PASSWORD_USERS: readonly AdSeedUser[] = [1, 2, 3].map((n) =>
  special(`pwuser${n}`, `pwuser${n}`, {
    givenName: 'Password', sn: `User${n}`, displayName: `Password User${n}`, mail: `pwuser${n}@${AD_DNS_DOMAIN}`,
    department: 'Engineering', title: 'Engineer', password: AD_USER_PASSWORD,
  }),
).concat([
  special('pwdisabled', 'pwdisabled', {
    givenName: 'Disabled', sn: 'Binder', displayName: 'Disabled Binder', mail: `pwdisabled@${AD_DNS_DOMAIN}`,
    department: 'Sales', password: AD_USER_PASSWORD, userAccountControl: UAC_NORMAL_ACCOUNT | UAC_ACCOUNTDISABLE,
  }),
]);

/**
 * Awkward users in OU=Staff: a CN that needs DN escaping with non-ASCII names, a user with only
 * the mandatory attributes, and one whose forced objectGUID bytes are the ASCII text
 * "0123456789abcdef" (a client that decodes binary values as UTF-8 turns it into a string).
 */
export const AD_AWKWARD_USERS: readonly AdSeedUser[] = [
  special('sobrien', "O'Brien, Seán", {
    givenName: 'Seán', sn: "O'Brien", displayName: "O'Brien, Seán", mail: `sobrien@${AD_DNS_DOMAIN}`,
    department: 'Support', title: 'Specialist', telephoneNumber: '+353 1 555 0100',
  }),
  special('zmuller', 'Zoë Müller-Łukasik', {
    givenName: 'Zoë', sn: 'Müller-Łukasik', displayName: 'Zoë Müller-Łukasik (ミュラー)', mail: `zmuller@${AD_DNS_DOMAIN}`,
    department: 'Marketing', title: 'Director',
  }),
  special('bare', 'bare', {}),
  special('asciiguid', 'asciiguid', {
    givenName: 'Ascii', sn: 'Guid', displayName: 'Ascii Guid', objectGUID: '33323130-3534-3736-3839-616263646566',
  }),
];

export const AD_READER: AdSeedUser = special(AD_READER_SAM, AD_READER_SAM, {
  displayName: 'LDAP reader (User Manager)', password: AD_READER_PASSWORD,
  userAccountControl: UAC_NORMAL_ACCOUNT | UAC_DONT_EXPIRE_PASSWORD,
}, AD_SERVICE_OU);

/** How many person entries OU=Staff holds right after seeding with `bulkUsers` bulk users. */
export function adStaffUserCount(bulkUsers: number): number {
  return bulkUsers + AD_PASSWORD_USERS.length + AD_AWKWARD_USERS.length;
}

function ou(dn: string, name: string): LdifEntry {
  return { dn, attributes: [['objectClass', 'organizationalUnit'], ['ou', name]] };
}

/** utf-16le of the quoted password: what AD's unicodePwd wants. */
function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

function userEntry(u: AdSeedUser): LdifEntry {
  const attrs: Array<[string, string | Buffer]> = [
    ['objectClass', 'top'], ['objectClass', 'person'], ['objectClass', 'organizationalPerson'], ['objectClass', 'user'],
    ['cn', u.cn], ['sAMAccountName', u.sAMAccountName], ['userPrincipalName', u.userPrincipalName],
  ];
  for (const name of ['givenName', 'sn', 'displayName', 'mail', 'department', 'title', 'telephoneNumber'] as const) {
    const v = u[name];
    if (v != null) attrs.push([name, v]);
  }
  if (u.objectGUID != null) attrs.push(['objectGUID', u.objectGUID]);
  if (u.password != null) attrs.push(['unicodePwd', unicodePwd(u.password)]);
  attrs.push(['userAccountControl', String(u.userAccountControl)]);
  return { dn: u.dn, attributes: attrs };
}

/** The LDIF files for an offline `ldbadd` into a freshly provisioned sam.ldb. */
export function adSeedLdif(bulkUsers: number): { main: string; forcedGuid: string } {
  let main = '';
  main += entryToLdif(ou(AD_STAFF_OU, 'Staff'));
  main += entryToLdif(ou(AD_FORMER_STAFF_OU, 'Former Staff'));
  main += entryToLdif(ou(AD_SERVICE_OU, 'Service Accounts'));
  for (let i = 1; i <= bulkUsers; i++) main += entryToLdif(userEntry(adSeedUser(i)));
  for (const u of [...AD_PASSWORD_USERS, AD_READER, ...AD_AWKWARD_USERS.filter((x) => x.objectGUID == null)]) {
    main += entryToLdif(userEntry(u));
  }
  // A forced objectGUID needs the relax control, which we do not want on the bulk load.
  const forcedGuid = AD_AWKWARD_USERS.filter((x) => x.objectGUID != null).map((u) => entryToLdif(userEntry(u))).join('');
  return { main, forcedGuid };
}
