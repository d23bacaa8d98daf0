// The database's failures as contract errors (PROTOCOL.md "Errors"), worded for the administrator.
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';

export function databaseCorrupt(message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.databaseCorrupt, message);
}

export function databaseReadOnly(message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.databaseReadOnly, message);
}

export function databaseWriteFailed(message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.databaseWriteFailed, message);
}
