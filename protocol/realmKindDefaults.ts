// What each kind of directory calls things: the attribute map and user filter a realm gets when
// the administrator leaves them empty. Shared by the backend (validation) and the directory
// editor (presets), so the two never drift apart.
import type { AttributeMap, RealmKind } from './model';

export interface RealmKindDefaults {
  attributes: AttributeMap;
  userFilter: string;
}

const openLdap: RealmKindDefaults = {
  attributes: {
    username: 'uid',
    uuid: 'entryUUID',
    displayName: 'cn',
    givenName: 'givenName',
    surname: 'sn',
    email: 'mail',
    department: 'departmentNumber',
    title: 'title',
    phone: 'telephoneNumber',
  },
  userFilter: '(objectClass=inetOrgPerson)',
};

const activeDirectory: RealmKindDefaults = {
  attributes: {
    username: 'sAMAccountName',
    uuid: 'objectGUID',
    displayName: 'displayName',
    givenName: 'givenName',
    surname: 'sn',
    email: 'mail',
    department: 'department',
    title: 'title',
    phone: 'telephoneNumber',
  },
  userFilter: '(&(objectCategory=person)(objectClass=user))',
};

export function realmKindDefaults(kind: RealmKind): RealmKindDefaults {
  const defaults = kind === 'activeDirectory' ? activeDirectory : openLdap;
  return { attributes: { ...defaults.attributes }, userFilter: defaults.userFilter };
}

export const realmNumberDefaults = {
  pageSize: 500,
  connectTimeoutMs: 10_000,
  timeoutMs: 30_000,
} as const;

/** Bounds an administrator may set; outside them a realm cannot work reliably. */
export const realmNumberBounds = {
  pageSize: { min: 1, max: 5000 },
  connectTimeoutMs: { min: 100, max: 120_000 },
  timeoutMs: { min: 100, max: 600_000 },
} as const;
