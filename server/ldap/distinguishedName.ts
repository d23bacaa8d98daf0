// Syntax check for DNs an administrator types (base DN, bind DN), RFC 4514 with the usual
// leniency for spaces after separators. DNs are display data, never identity (reliability.md
// L2): we only check that a typed DN can be sent, we never build or compare DNs here.

const ATTRIBUTE_TYPE = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)$/;

/** Returns why `text` is not a valid DN, or undefined when it is. */
export function distinguishedNameProblem(text: string): string | undefined {
  if (text.trim() === '') return 'it is empty';
  if (text.includes('\0')) return 'it contains a NUL character';
  let i = 0;
  const n = text.length;
  let rdnCount = 0;
  while (i < n) {
    // attribute type
    while (i < n && text[i] === ' ') i++;
    const typeStart = i;
    while (i < n && text[i] !== '=' && text[i] !== ',' && text[i] !== '+') i++;
    const type = text.slice(typeStart, i).trim();
    if (i >= n || text[i] !== '=') {
      return `"${text.slice(typeStart, i) || text}" is not of the form name=value (example: ou=people,dc=example,dc=org)`;
    }
    if (!ATTRIBUTE_TYPE.test(type)) return `"${type}" is not a valid attribute name`;
    i++; // '='
    // value
    if (text[i] === '#') {
      i++;
      const hexStart = i;
      while (i < n && /[0-9a-fA-F]/.test(text[i])) i++;
      if ((i - hexStart) % 2 !== 0 || i === hexStart) return `the value of "${type}" starts with # but is not hex`;
    } else {
      let quoted = false;
      while (i < n) {
        const ch = text[i];
        if (ch === '\\') {
          const next = text.slice(i + 1, i + 3);
          if (/^[0-9a-fA-F]{2}$/.test(next)) {
            i += 3;
            continue;
          }
          if (i + 1 < n && ' "#+,;<=>\\'.includes(text[i + 1])) {
            i += 2;
            continue;
          }
          return `the value of "${type}" has a backslash that does not escape anything (write \\\\ for a backslash, \\, for a comma)`;
        }
        if (ch === '"') {
          quoted = !quoted;
          i++;
          continue;
        }
        if (!quoted && (ch === ',' || ch === '+' || ch === ';')) break;
        if (!quoted && (ch === '<' || ch === '>')) return `the value of "${type}" contains an unescaped "${ch}" (write \\${ch})`;
        i++;
      }
      if (quoted) return `the value of "${type}" has an unbalanced double quote`;
    }
    rdnCount++;
    if (i < n) {
      // separator: ',' or ';' between RDNs, '+' inside a multi-valued RDN
      i++;
      if (i >= n || text.slice(i).trim() === '') return 'it ends with a separator';
    }
  }
  return rdnCount === 0 ? 'it is empty' : undefined;
}

/** True for a down-level logon name (EXAMPLE\user) or a user principal name (user@example.org). */
export function isActiveDirectoryLogonName(text: string): boolean {
  return /^[^\\/@=,\s]+\\[^\\/@=,]+$/.test(text) || /^[^@=,\s\\]+@[^@=,\s\\]+$/.test(text);
}
