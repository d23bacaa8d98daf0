// TLS settings for LDAPS and StartTLS. Verification is never optional: `rejectUnauthorized: true`
// is passed explicitly so NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot weaken it, and
// the name checked is always ours — ldapts' StartTLS would otherwise check "localhost"
// (reliability.md L12, finding 3).
import { readFile } from 'node:fs/promises';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { DirectoryGuardError } from './ldapErrors';
import type { LdapEndpoint } from './ldapUrl';

export interface TlsSettings {
  caCertPath?: string;
  tlsServerName?: string;
}

/** Reads the realm's CA file (PEM). Without one, Node's bundled public CAs are used. */
export async function loadCaCertificate(settings: TlsSettings, realmName: string): Promise<Buffer | undefined> {
  if (!settings.caCertPath) return undefined;
  try {
    const pem = await readFile(settings.caCertPath);
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new DirectoryGuardError('caFile', `The CA certificate file ${settings.caCertPath} of realm "${realmName}" holds no PEM certificate. Choose the CA certificate in PEM form.`);
    }
    return pem;
  } catch (err) {
    if (err instanceof DirectoryGuardError) throw err;
    throw new DirectoryGuardError(
      'caFile',
      `The CA certificate file ${settings.caCertPath} of realm "${realmName}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}). Choose an existing PEM file.`,
    );
  }
}

/** The name the server certificate must carry: the configured TLS server name, else the URL host. */
export function expectedServerName(endpoint: LdapEndpoint, settings: TlsSettings): string {
  return settings.tlsServerName ?? endpoint.host;
}

export function tlsConnectionOptions(endpoint: LdapEndpoint, settings: TlsSettings, ca: Buffer | undefined): ConnectionOptions {
  const name = expectedServerName(endpoint, settings);
  const nameIsIp = name === endpoint.host && endpoint.isIpAddress;
  return {
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...(ca ? { ca: [ca] } : {}),
    // SNI cannot carry an IP address; an IP is then checked against the certificate's IP SANs.
    ...(nameIsIp ? {} : { servername: name }),
    host: name,
    checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert),
  };
}
