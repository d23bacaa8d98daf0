// Validation of a realm's directory URL. ldapts accepts far more than it uses: `ldap:///`
// silently means localhost:389, and a base DN, userinfo or query in the URL is dropped without a
// word (reliability.md L14). We accept exactly scheme://host[:port][/] and say what is wrong.
import { isIP } from 'node:net';

export type LdapScheme = 'ldap' | 'ldaps';

export interface LdapEndpoint {
  scheme: LdapScheme;
  /** Host name or IP address, without IPv6 brackets, lower-cased. */
  host: string;
  port: number;
  /** True when the host is an IP address (TLS then needs an expected server name to check names). */
  isIpAddress: boolean;
  /** Canonical form stored in the realm: lower-case scheme and host, the port only when given. */
  url: string;
}

/** Thrown with a sentence an administrator can act on; callers turn it into a 1002 naming the field. */
export class LdapUrlError extends Error {
  override name = 'LdapUrlError';
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

export function isValidHostName(host: string): boolean {
  return HOSTNAME.test(host) || isIP(host) !== 0;
}

export function parseLdapUrl(text: string): LdapEndpoint {
  const example = 'Use ldaps://host:636 (TLS) or ldap://host:389 (with StartTLS).';
  if (typeof text !== 'string' || text.trim() === '') {
    throw new LdapUrlError(`The directory URL is empty. ${example}`);
  }
  const raw = text.trim();
  // eslint-disable-next-line no-control-regex
  if (/[\s\0-\x1f\x7f]/.test(raw)) {
    throw new LdapUrlError('The directory URL contains spaces or control characters.');
  }
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw);
  if (!schemeMatch) {
    throw new LdapUrlError(`"${raw}" is not a directory URL. ${example}`);
  }
  const scheme = schemeMatch[1].toLowerCase();
  if (scheme !== 'ldap' && scheme !== 'ldaps') {
    throw new LdapUrlError(`The URL scheme "${scheme}:" is not supported: only ldap:// and ldaps:// are. ${example}`);
  }
  let rest = schemeMatch[2];
  // Path, query and fragment: ldapts ignores them, so a base DN or filter written there would be lost.
  const pathStart = rest.search(/[/?#]/);
  if (pathStart >= 0) {
    const tail = rest.slice(pathStart);
    rest = rest.slice(0, pathStart);
    if (tail !== '/') {
      throw new LdapUrlError(
        `The directory URL must not contain a path, query or fragment ("${tail}"); enter the base DN and the user filter in their own fields.`,
      );
    }
  }
  if (rest.includes('@')) {
    throw new LdapUrlError('The directory URL must not contain a user name or password; enter the bind DN in its own field (the password is asked for separately).');
  }
  let host: string;
  let portText: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new LdapUrlError(`The IPv6 address in "${raw}" has no closing bracket.`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new LdapUrlError(`Unexpected text after the IPv6 address in "${raw}".`);
    portText = after === '' ? undefined : after.slice(1);
    if (isIP(host) !== 6) throw new LdapUrlError(`"${host}" is not a valid IPv6 address.`);
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon >= 0 ? rest.slice(0, colon) : rest;
    portText = colon >= 0 ? rest.slice(colon + 1) : undefined;
  }
  if (host === '') {
    throw new LdapUrlError(`The directory URL has no host name (ldapts would silently connect to localhost). ${example}`);
  }
  host = host.toLowerCase();
  if (!isValidHostName(host)) {
    throw new LdapUrlError(`"${host}" is not a valid host name or IP address.`);
  }
  let port = scheme === 'ldaps' ? 636 : 389;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new LdapUrlError(`The port "${portText}" is not valid: use a number from 1 to 65535 (389 for ldap://, 636 for ldaps://).`);
    }
    port = Number(portText);
  }
  const ipVersion = isIP(host);
  const hostInUrl = ipVersion === 6 ? `[${host}]` : host;
  return {
    scheme,
    host,
    port,
    isIpAddress: ipVersion !== 0,
    url: `${scheme}://${hostInUrl}${portText !== undefined ? `:${port}` : ''}`,
  };
}
