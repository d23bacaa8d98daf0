// Active Directory's objectGUID is 16 raw bytes. Its text form (what samba-tool, PowerShell and
// ldbsearch print) is not the hex of those bytes: the first three groups are little-endian
// (MS-DTYP 2.3.4.2). Searching for a GUID must send the raw bytes in an equality filter: ldapts'
// filter-string parser corrupts escaped bytes >= 0x80 (reliability.md L1/L4).
import { EqualityFilter } from 'ldapts';

const GUID_TEXT = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;

/** True for attribute names whose values are Microsoft GUIDs held as 16 bytes. */
export function isBinaryGuidAttribute(attribute: string): boolean {
  return attribute.toLowerCase() === 'objectguid';
}

export function isGuidText(text: string): boolean {
  return GUID_TEXT.test(text);
}

function reverseHexBytes(hex: string): string {
  return (hex.match(/../g) ?? []).reverse().join('');
}

/** 16 bytes → `f4c2ce4e-1f08-4358-abdc-fe3f035af4cd` (lower case). */
export function guidBytesToText(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new RangeError(`A GUID has 16 bytes, this value has ${bytes.length}.`);
  }
  const hex = Buffer.from(bytes).toString('hex');
  return [
    reverseHexBytes(hex.slice(0, 8)),
    reverseHexBytes(hex.slice(8, 12)),
    reverseHexBytes(hex.slice(12, 16)),
    hex.slice(16, 20),
    hex.slice(20),
  ].join('-');
}

/** `F4C2CE4E-1F08-4358-ABDC-FE3F035AF4CD` (braces optional, any case) → its 16 bytes. */
export function guidTextToBytes(text: string): Buffer {
  const m = GUID_TEXT.exec(text.trim());
  if (!m) {
    throw new RangeError(`"${text}" is not a GUID (expected the form 4ec2c2f4-081f-5843-abdc-fe3f035af4cd).`);
  }
  const hex = reverseHexBytes(m[1]) + reverseHexBytes(m[2]) + reverseHexBytes(m[3]) + m[4] + m[5];
  return Buffer.from(hex, 'hex');
}

/**
 * Equality filter for a directory identity. For a binary GUID attribute the value goes on the
 * wire as raw bytes; every other identity attribute (entryUUID, nsUniqueId, ...) is text.
 */
export function identityFilter(attribute: string, uuid: string): EqualityFilter {
  if (isBinaryGuidAttribute(attribute)) {
    return new EqualityFilter({ attribute, value: guidTextToBytes(uuid) });
  }
  return new EqualityFilter({ attribute, value: uuid });
}
