// Turns what ldapts, Node's net/tls layers and our own guards throw into the contract's
// ResponseErrors (1101–1106 and friends), with a sentence that says which realm, what failed
// and what to do. Messages never contain a password: none is ever put into an error.
import { ResponseError } from 'vscode-jsonrpc';
import { ResultCodeError } from 'ldapts';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';

/** LSP's RequestCancelled: what a cancelled request answers (vscode-jsonrpc has no constant). */
export const requestCancelledCode = -32800;

/** The phase an LDAP failure happened in; decides how an ambiguous error is read. */
export type DirectoryPhase = 'connect' | 'tls' | 'bind' | 'search';

export interface DirectoryErrorContext {
  realmName: string;
  realmId?: number;
  /** `host:port` the session talked to. */
  endpoint: string;
  phase: DirectoryPhase;
  /** Configured timeouts, quoted in timeout messages. */
  connectTimeoutMs?: number;
  timeoutMs?: number;
}

/** Thrown by our own guards (deadline, lost binding, cancellation) before mapping. */
export class DirectoryGuardError extends Error {
  constructor(
    readonly reason: 'timeout' | 'cancelled' | 'unbound' | 'noPassword' | 'insecure' | 'caFile',
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryGuardError';
  }
}

export function cancelledError(): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(requestCancelledCode, 'The operation was cancelled; nothing was changed.');
}

const tlsErrorCodes = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_CERT_ALTNAME_FORMAT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
  'EPROTO',
]);
const connectErrorCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL']);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function describeTlsCode(code: string | undefined, message: string): string {
  switch (code) {
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the server's certificate is not issued for this host name (${message.replace(/^.*?: /, '')}). Set "TLS server name" to a name the certificate carries, or use that name in the URL`;
    case 'CERT_HAS_EXPIRED':
      return "the server's certificate has expired";
    case 'CERT_NOT_YET_VALID':
      return "the server's certificate is not valid yet (check the clocks)";
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'CERT_UNTRUSTED':
    case 'CERT_SIGNATURE_FAILURE':
      return "the server's certificate is not signed by the configured CA. Set \"CA certificate\" to the PEM file of the CA that issued the directory's certificate";
    default:
      return `the TLS handshake failed (${message})`;
  }
}

/** Maps any error from a directory operation to the contract's ResponseError. */
export function toDirectoryError(err: unknown, ctx: DirectoryErrorContext): ResponseError<ErrorData> {
  if (err instanceof ResponseError) return err as ResponseError<ErrorData>;
  const realm = `realm "${ctx.realmName}"`;
  const data: ErrorData = ctx.realmId !== undefined ? { realmId: ctx.realmId } : {};
  const make = (code: number, message: string, extra: Partial<ErrorData> = {}) =>
    new ResponseError<ErrorData>(code, message, { ...data, ...extra });
  const message = err instanceof Error ? err.message : String(err);

  if (err instanceof DirectoryGuardError) {
    switch (err.reason) {
      case 'cancelled':
        return cancelledError();
      case 'timeout':
        return make(ErrorCodes.timeout, `The directory of ${realm} (${ctx.endpoint}) did not answer in time: ${err.message} Check that the server is up and not overloaded, or raise the realm's timeouts.`);
      case 'unbound':
        return make(ErrorCodes.cannotConnect, `The connection to ${realm} (${ctx.endpoint}) was lost and re-established without authentication, so the results could not be trusted. Nothing was changed; try again.`);
      case 'noPassword':
        return make(ErrorCodes.bindRejected, `${err.message}`);
      case 'insecure':
        return make(ErrorCodes.insecureBindRefused, err.message);
      case 'caFile':
        return make(ErrorCodes.tlsFailure, err.message);
    }
  }

  if (err instanceof ResultCodeError) {
    const ldapCode = err.code;
    const serverText = message.replace(/ Code: 0x[0-9a-f]+$/i, '').trim();
    const said = serverText ? ` The server said: "${serverText}".` : '';
    switch (ldapCode) {
      case 49:
        return make(ErrorCodes.bindRejected, `The directory of ${realm} rejected the bind DN or password (invalid credentials). Check the bind DN and set the password again.`, { ldapCode });
      case 48:
      case 53:
        if (ctx.phase === 'bind') {
          return make(ErrorCodes.bindRejected, `The directory of ${realm} refused the bind.${said} Check the bind DN and the password.`, { ldapCode });
        }
        return make(ErrorCodes.cannotConnect, `The directory of ${realm} refused the operation.${said}`, { ldapCode });
      case 7:
        return make(ErrorCodes.bindRejected, `The directory of ${realm} does not support this authentication method.${said}`, { ldapCode });
      case 8:
      case 13:
        return make(ErrorCodes.insecureBindRefused, `The directory of ${realm} requires a secure connection (strong authentication).${said} Use an ldaps:// URL or turn on StartTLS.`, { ldapCode });
      case 3:
        return make(ErrorCodes.timeout, `The directory of ${realm} stopped the search at its time limit.${said} Narrow the search or raise the server's time limit.`, { ldapCode });
      case 4:
      case 11:
        return make(ErrorCodes.sizeLimit, `The directory of ${realm} refused to return more entries (${ldapCode === 4 ? 'size limit' : 'administrative limit'} exceeded).${said} Lower the realm's page size below the server's limit or narrow the search.`, { ldapCode });
      case 32:
        return make(ErrorCodes.invalidInput, `The base DN of ${realm} does not exist on the server.${said} Check the base DN.`, { ldapCode, field: 'baseDn' });
      case 34:
        return make(ErrorCodes.invalidInput, `The directory of ${realm} did not accept a DN as valid syntax.${said} Check the base DN and bind DN.`, { ldapCode, field: ctx.phase === 'bind' ? 'bindDn' : 'baseDn' });
      case 10:
        return make(ErrorCodes.invalidInput, `The base DN of ${realm} is in another naming context or domain: the server answered with a referral, which is never followed (it would send your credentials to another server). Use a base DN held by this server, or the Global Catalog port (3268/3269).`, { ldapCode, field: 'baseDn' });
      case 2:
        if (ctx.phase === 'tls') {
          return make(ErrorCodes.tlsFailure, `The directory of ${realm} does not offer StartTLS.${said} Use an ldaps:// URL or enable TLS on the server.`, { ldapCode });
        }
        return make(ErrorCodes.invalidFilter, `The directory of ${realm} rejected the request as malformed.${said} Check the user filter and the search.`, { ldapCode });
      case 112:
        return make(ErrorCodes.tlsFailure, `The directory of ${realm} could not set up TLS.${said}`, { ldapCode });
      case 50:
        return make(ErrorCodes.bindRejected, `The bind account of ${realm} may not read these entries (insufficient access).${said} Grant it read access or use another bind DN.`, { ldapCode });
      case 51:
      case 52:
        return make(ErrorCodes.cannotConnect, `The directory of ${realm} is busy or unavailable.${said} Try again later.`, { ldapCode });
      default:
        return make(ErrorCodes.cannotConnect, `The directory of ${realm} answered with an error (LDAP result ${ldapCode}).${said}`, { ldapCode });
    }
  }

  const code = errorCode(err);
  if (code && tlsErrorCodes.has(code)) {
    return make(ErrorCodes.tlsFailure, `TLS to ${realm} (${ctx.endpoint}) failed: ${describeTlsCode(code, message)}. The password was not sent.`);
  }
  if (/certificate|secure TLS connection|ssl|tls/i.test(message) && (ctx.phase === 'tls' || ctx.phase === 'connect')) {
    return make(ErrorCodes.tlsFailure, `TLS to ${realm} (${ctx.endpoint}) failed: ${message}. Check that the URL's port speaks TLS (ldaps:// usually 636) and the CA certificate. The password was not sent.`);
  }
  if (/Operation timed out|Connection timeout/i.test(message)) {
    const limit = /Connection timeout/i.test(message) ? ctx.connectTimeoutMs : ctx.timeoutMs;
    return make(ErrorCodes.timeout, `The directory of ${realm} (${ctx.endpoint}) did not answer within ${limit ?? '?'} ms. Check that the server is up and reachable, or raise the realm's timeouts.`);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return make(ErrorCodes.cannotConnect, `The host name of ${realm} (${ctx.endpoint}) could not be resolved. Check the URL.`);
  }
  if (code === 'ECONNREFUSED') {
    return make(ErrorCodes.cannotConnect, `Nothing accepts connections at ${ctx.endpoint} for ${realm} (connection refused). Check the URL's host and port, and that the directory server is running.`);
  }
  if ((code && connectErrorCodes.has(code)) || /Connection closed|Socket error|socket connection not established|socket hang up/i.test(message)) {
    return make(ErrorCodes.cannotConnect, `The connection to ${realm} (${ctx.endpoint}) failed or was closed by the server (${code ?? message.split('\n')[0]}). Check that the directory server is running and try again.`);
  }
  return make(ErrorCodes.cannotConnect, `The operation on ${realm} (${ctx.endpoint}) failed: ${message.split('\n')[0]}`);
}
