// LDIF (RFC 2849) serialization for the test directories: seed files for slapadd and change
// records for ldapmodify. Any value that is not a plain ASCII "SAFE-STRING" is written base64
// (`attr:: ...`), so UTF-8 names, leading/trailing spaces and binary values survive byte for byte.

export type LdifValue = string | Buffer;

/** One directory entry: its DN and attributes in the order they should be written. */
export interface LdifEntry {
  dn: string;
  attributes: ReadonlyArray<readonly [name: string, value: LdifValue]>;
}

// SAFE-INIT-CHAR excludes NUL, LF, CR, space, ':' and '<'; SAFE-CHAR excludes NUL, LF, CR and
// anything above 0x7F. A trailing space is legal in the grammar, but tools strip it, so base64 it.
// eslint-disable-next-line no-control-regex -- the LDIF grammar is defined in terms of control characters
const SAFE_STRING = /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/;

function needsBase64(value: string): boolean {
  return !SAFE_STRING.test(value) || value.endsWith(' ');
}

/** `name: value` or `name:: base64` — one logical LDIF line (not folded; slapadd accepts long lines). */
export function ldifLine(name: string, value: LdifValue): string {
  if (Buffer.isBuffer(value)) return `${name}:: ${value.toString('base64')}`;
  return needsBase64(value) ? `${name}:: ${Buffer.from(value, 'utf8').toString('base64')}` : `${name}: ${value}`;
}

/** An entry as an LDIF content record, terminated by a blank line. */
export function entryToLdif(entry: LdifEntry): string {
  let out = ldifLine('dn', entry.dn) + '\n';
  for (const [name, value] of entry.attributes) out += ldifLine(name, value) + '\n';
  return out + '\n';
}

/** An `add` change record (what ldapmodify -a / ldapadd expect). */
export function addRecord(entry: LdifEntry): string {
  return entryToLdif(entry);
}

/** A `delete` change record. */
export function deleteRecord(dn: string): string {
  return `${ldifLine('dn', dn)}\nchangetype: delete\n\n`;
}

/** A `modrdn` change record; newSuperior moves the entry. */
export function modRdnRecord(dn: string, newRdn: string, deleteOldRdn = true, newSuperior?: string): string {
  let out = `${ldifLine('dn', dn)}\nchangetype: modrdn\n${ldifLine('newrdn', newRdn)}\ndeleteoldrdn: ${deleteOldRdn ? 1 : 0}\n`;
  if (newSuperior != null) out += ldifLine('newsuperior', newSuperior) + '\n';
  return out + '\n';
}

export type Modification =
  | { op: 'replace' | 'add'; attribute: string; values: LdifValue[] }
  | { op: 'delete'; attribute: string; values?: LdifValue[] };

/** A `modify` change record with one or more modifications. */
export function modifyRecord(dn: string, modifications: Modification[]): string {
  let out = `${ldifLine('dn', dn)}\nchangetype: modify\n`;
  for (const m of modifications) {
    out += `${m.op}: ${m.attribute}\n`;
    for (const v of m.values ?? []) out += ldifLine(m.attribute, v) + '\n';
    out += '-\n';
  }
  return out + '\n';
}

/**
 * Escapes one RDN attribute value for use in a DN string (RFC 4514 §2.4): `,+"\<>;` anywhere,
 * `#` or space at the start, space at the end, and NUL.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[,+"\\<>;]/g, (c) => '\\' + c).replace(/\0/g, '\\00');
  if (out.startsWith('#') || out.startsWith(' ')) out = '\\' + out;
  if (out.endsWith(' ') && !out.endsWith('\\ ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

/**
 * Escapes an RDN value the way slapd spells DNs it returns (hex pairs: `,` → `\2C`), so a DN built
 * with it is byte-identical to the `dn` the server sends back for the entry.
 */
export function escapeDnValueAsSlapd(value: string): string {
  const hex = (c: string) => '\\' + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0');
  let out = value.replace(/[,+"\\<>;\0]/g, hex);
  if (out.startsWith('#') || out.startsWith(' ')) out = hex(out[0]) + out.slice(1);
  if (out.endsWith(' ')) out = out.slice(0, -1) + hex(' ');
  return out;
}
