// Turns a failed backend request into a message that says what to do, and the actions to offer.
// Pure (no vscode): errorPresenter.ts shows the result.
import { ErrorCodes, type ErrorData } from '../../protocol/errors';
import { BackendUnavailableError } from '../backend/backendClient';

export type ErrorAction =
  | 'editDirectory'
  | 'setBindPassword'
  | 'testConnection'
  | 'showLog'
  | 'refresh'
  | 'openSettings'
  | 'restartBackend';

export const errorActionTitles: Record<ErrorAction, string> = {
  editDirectory: 'Edit Directory',
  setBindPassword: 'Set Bind Password',
  testConnection: 'Test Connection',
  showLog: 'Show Log',
  refresh: 'Refresh',
  openSettings: 'Open Settings',
  restartBackend: 'Restart Backend',
};

export interface ErrorMessage {
  severity: 'error' | 'warning' | 'info';
  message: string;
  actions: ErrorAction[];
  /** The realm the actions apply to. */
  realmId?: number;
  /** The JSON-RPC / backend code, when there was one. */
  code?: number;
}

/** JSON-RPC's "request cancelled" (-32800) and LSP's (-32800 / -32802). */
const cancelledCodes = new Set([-32800, -32802]);

interface CodedError {
  code: number;
  message: string;
  data?: unknown;
}

function isCoded(err: unknown): err is CodedError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as CodedError).code === 'number' &&
    typeof (err as CodedError).message === 'string'
  );
}

export function isCancellation(err: unknown): boolean {
  return isCoded(err) && cancelledCodes.has(err.code);
}

/**
 * @param what what the admin was doing, e.g. "Import users" (used as a prefix when the
 *   backend's message does not say it already).
 * @param realmName name of the realm involved, if known, for hints.
 */
export function describeError(err: unknown, what?: string, realmName?: string): ErrorMessage {
  const prefix = what ? `${what} failed: ` : '';
  if (err instanceof BackendUnavailableError) {
    return {
      severity: 'error',
      message: `${prefix}${err.message}`,
      actions: err.reason === 'failed' ? ['showLog', 'restartBackend'] : ['showLog'],
    };
  }
  if (!isCoded(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return { severity: 'error', message: `${prefix}${text}`, actions: ['showLog'] };
  }
  const data = (typeof err.data === 'object' && err.data !== null ? err.data : {}) as ErrorData;
  const realmId = typeof data.realmId === 'number' ? data.realmId : undefined;
  const base = `${prefix}${err.message.trim().replace(/\.?$/, '.')}`;
  const on = realmName ? ` of "${realmName}"` : '';
  const msg = (hint: string, actions: ErrorAction[], severity: ErrorMessage['severity'] = 'error'): ErrorMessage => ({
    severity,
    message: hint ? `${base} ${hint}` : base,
    actions,
    realmId,
    code: err.code,
  });
  if (cancelledCodes.has(err.code)) {
    return { severity: 'info', message: `${what ?? 'The operation'} was cancelled; nothing was changed.`, actions: [], code: err.code };
  }
  switch (err.code) {
    case ErrorCodes.realmNotFound:
      return msg('The directory may have been removed; refresh the views.', ['refresh']);
    case ErrorCodes.invalidInput:
      return msg('', realmId !== undefined ? ['editDirectory'] : [], 'warning');
    case ErrorCodes.invalidFilter:
      return msg('Check the LDAP query: parentheses must balance, e.g. (&(objectClass=person)(uid=j*)).', [], 'warning');
    case ErrorCodes.cannotConnect:
      return msg(`Check the URL${on} and that the directory server is running and reachable.`, [
        'editDirectory',
        'testConnection',
        'showLog',
      ]);
    case ErrorCodes.tlsFailure:
      return msg(`Check the CA certificate file and TLS server name${on}.`, ['editDirectory', 'showLog']);
    case ErrorCodes.bindRejected:
      return msg(`Set the bind password again, or check the bind DN${on}.`, ['setBindPassword', 'editDirectory']);
    case ErrorCodes.timeout:
      return msg(`The directory did not answer in time; check the server, or raise the timeouts${on}.`, [
        'testConnection',
        'editDirectory',
        'showLog',
      ]);
    case ErrorCodes.sizeLimit:
      return msg('Use a more specific query, or raise the size limit on the directory server.', [], 'warning');
    case ErrorCodes.insecureBindRefused:
      return msg('Use ldaps:// or StartTLS, or explicitly allow insecure binds for this directory.', ['editDirectory']);
    case ErrorCodes.databaseCorrupt:
      return msg('The file was not changed. Restore it from a backup, or point "ldapUsers.databasePath" to another file.', [
        'openSettings',
        'showLog',
      ]);
    case ErrorCodes.databaseReadOnly:
      return msg('The registry is open read-only, so changes are disabled.', ['showLog'], 'warning');
    case ErrorCodes.databaseWriteFailed:
      return msg('Nothing was changed. Check free disk space and file permissions.', ['showLog']);
    case ErrorCodes.conflict:
      return msg('', [], 'warning');
    case ErrorCodes.syncGuardTripped:
      return msg('', [], 'warning');
    default:
      return msg('', ['showLog']);
  }
}
