// LDAP entry → DirectoryEntry through the realm's attribute map. Attribute names are compared
// case-insensitively (servers answer in their own casing: reliability.md L5); the identity is
// the realm's UUID attribute, and an entry without one is reported, never imported.
import type { Entry } from 'ldapts';
import type { AttributeMap, DirectoryEntry, RealmKind } from '../../protocol/model';
import { guidBytesToText, isBinaryGuidAttribute } from './guid';

/** A directory entry before it is compared with the registry (no status yet). */
export type DirectoryEntryData = Omit<DirectoryEntry, 'status' | 'userId' | 'conflict'>;

export interface MappedEntry {
  entry: DirectoryEntryData;
  /** Every attribute the server returned, as text (binary values as `base64:` or a size note). */
  rawAttributes: Record<string, string[]>;
}

export interface UnmappableEntry {
  dn: string;
  username?: string;
  reason: string;
}

export type MappingResult = ({ ok: true } & MappedEntry) | ({ ok: false } & UnmappableEntry);

export interface MappingRealm {
  kind: RealmKind;
  attributes: AttributeMap;
}

/** Attributes that say an account is disabled: AD's userAccountControl, 389's nsAccountLock, ppolicy lockout. */
const stateAttributes = ['userAccountControl', 'nsAccountLock', 'pwdAccountLockedTime'];

export interface RequestedAttributes {
  attributes: string[];
  /** Binary attributes, in every casing a server may use (ldapts compares them case-sensitively). */
  explicitBufferAttributes: string[];
}

/** What to ask the server for to map entries of this realm (plus `extra` names, e.g. '*'). */
export function requestedAttributes(realm: MappingRealm, extra: string[] = []): RequestedAttributes {
  const names = [...Object.values(realm.attributes), ...stateAttributes, ...extra];
  if (realm.kind === 'activeDirectory') names.push('userPrincipalName');
  const seen = new Set<string>();
  const attributes = names.filter((n) => {
    const key = n.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const explicitBufferAttributes: string[] = [];
  if (isBinaryGuidAttribute(realm.attributes.uuid)) {
    explicitBufferAttributes.push(realm.attributes.uuid, 'objectGUID', 'objectguid', 'OBJECTGUID', 'ObjectGUID');
  }
  explicitBufferAttributes.push('objectSid', 'objectsid', 'jpegPhoto', 'jpegphoto', 'thumbnailPhoto', 'thumbnailphoto');
  return { attributes, explicitBufferAttributes: [...new Set(explicitBufferAttributes)] };
}

/** Password material a privileged bind may read: never copied into the registry. */
const secretAttributes = new Set(
  ['userPassword', 'authPassword', 'unicodePwd', 'dBCSPwd', 'ntPwdHistory', 'lmPwdHistory', 'supplementalCredentials', 'sambaNTPassword', 'sambaLMPassword', 'userPKCS12'].map((n) => n.toLowerCase()),
);

type RawValue = Buffer | Buffer[] | string[] | string;

function valuesOf(value: RawValue | undefined): (string | Buffer)[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Case-insensitive view of an ldapts entry. */
export class EntryAttributes {
  private readonly byName = new Map<string, { name: string; values: (string | Buffer)[] }>();
  readonly dn: string;

  constructor(entry: Entry) {
    this.dn = entry.dn;
    for (const [name, value] of Object.entries(entry)) {
      if (name === 'dn') continue;
      const key = name.toLowerCase();
      const existing = this.byName.get(key);
      const values = valuesOf(value);
      if (existing) existing.values.push(...values);
      else this.byName.set(key, { name, values: [...values] });
    }
  }

  values(attribute: string): (string | Buffer)[] {
    return this.byName.get(attribute.toLowerCase())?.values ?? [];
  }

  /** First value as text ('' when absent or binary). */
  text(attribute: string): string {
    for (const v of this.values(attribute)) {
      if (typeof v === 'string') return v;
    }
    return '';
  }

  /** First value as bytes (a text value is its UTF-8 bytes: ldapts decoded them losslessly). */
  bytes(attribute: string): Buffer | undefined {
    const v = this.values(attribute)[0];
    if (v === undefined) return undefined;
    return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
  }

  entries(): { name: string; values: (string | Buffer)[] }[] {
    return [...this.byName.values()];
  }
}

const uuidShape = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The identity in its stored text form, or why it cannot be read. */
export function identityOf(attrs: EntryAttributes, uuidAttribute: string): { uuid: string } | { reason: string } {
  if (isBinaryGuidAttribute(uuidAttribute)) {
    const bytes = attrs.bytes(uuidAttribute);
    if (!bytes) return { reason: `it has no ${uuidAttribute} attribute (its identity)` };
    if (bytes.length !== 16) return { reason: `its ${uuidAttribute} is ${bytes.length} bytes long instead of 16` };
    return { uuid: guidBytesToText(bytes) };
  }
  const values = attrs.values(uuidAttribute);
  if (values.length === 0) return { reason: `it has no ${uuidAttribute} attribute (its identity)` };
  const first = values[0];
  if (typeof first !== 'string') return { reason: `its ${uuidAttribute} is binary; set the realm's UUID attribute to a text attribute` };
  const value = first.trim();
  if (value === '') return { reason: `its ${uuidAttribute} is empty` };
  // UUIDs are case-insensitive (RFC 4122); store one form so comparisons are plain.
  return { uuid: uuidShape.test(value) ? value.toLowerCase() : value };
}

/** Disabled in the directory: AD userAccountControl bit 0x2 (never "== 514"), nsAccountLock, ppolicy lock. */
export function isDisabled(attrs: EntryAttributes): boolean {
  const uac = attrs.text('userAccountControl').trim();
  if (/^-?\d+$/.test(uac) && (Number.parseInt(uac, 10) & 0x2) !== 0) return true;
  if (attrs.text('nsAccountLock').trim().toLowerCase() === 'true') return true;
  return attrs.text('pwdAccountLockedTime').trim() !== '';
}

function rawText(name: string, value: string | Buffer, uuidAttribute: string): string {
  if (typeof value === 'string') return value;
  if (value.length === 16 && name.toLowerCase() === uuidAttribute.toLowerCase() && isBinaryGuidAttribute(name)) {
    return guidBytesToText(value);
  }
  if (value.length > 4096) return `<binary, ${value.length} bytes>`;
  return `base64:${value.toString('base64')}`;
}

export function mapEntry(entry: Entry, realm: MappingRealm): MappingResult {
  const attrs = new EntryAttributes(entry);
  const map = realm.attributes;
  const username = attrs.text(map.username);
  const identity = identityOf(attrs, map.uuid);
  if ('reason' in identity) {
    return { ok: false, dn: attrs.dn, ...(username ? { username } : {}), reason: `The entry cannot be imported: ${identity.reason}.` };
  }
  if (username.trim() === '') {
    return { ok: false, dn: attrs.dn, reason: `The entry cannot be imported: it has no ${map.username} attribute (its username).` };
  }
  const rawAttributes: Record<string, string[]> = {};
  for (const { name, values } of attrs.entries()) {
    if (secretAttributes.has(name.toLowerCase())) continue;
    rawAttributes[name] = values.map((v) => rawText(name, v, map.uuid));
  }
  return {
    ok: true,
    entry: {
      dn: attrs.dn,
      uuid: identity.uuid,
      username,
      displayName: attrs.text(map.displayName),
      givenName: attrs.text(map.givenName),
      surname: attrs.text(map.surname),
      email: attrs.text(map.email),
      department: attrs.text(map.department),
      title: attrs.text(map.title),
      phone: attrs.text(map.phone),
      disabled: isDisabled(attrs),
    },
    rawAttributes,
  };
}
