// Error codes of the backend contract (PROTOCOL.md "Errors"): outside JSON-RPC's reserved range.
export const ErrorCodes = {
  realmNotFound: 1001,
  invalidInput: 1002,
  invalidFilter: 1003,
  cannotConnect: 1101,
  tlsFailure: 1102,
  bindRejected: 1103,
  timeout: 1104,
  sizeLimit: 1105,
  insecureBindRefused: 1106,
  databaseCorrupt: 1201,
  databaseReadOnly: 1202,
  databaseWriteFailed: 1203,
  conflict: 1301,
  syncGuardTripped: 1302,
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** `data` of every ResponseError the backend sends. */
export interface ErrorData {
  realmId?: number;
  ldapCode?: number;
  /** The request field that was refused (1002). */
  field?: string;
  /** Users that would go missing (1302). */
  missing?: number;
  total?: number;
}
