// The refusals of user, role and sync operations, written for the administrator.
import { ResponseError } from 'vscode-jsonrpc';
import { ErrorCodes, type ErrorData } from '../../protocol/errors';

export function invalidUserInput(field: string, message: string): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.invalidInput, message, { field });
}

export function userConflict(message: string, data: ErrorData = {}): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(ErrorCodes.conflict, message, data);
}

export function userNotFound(userId: number, field = 'userId'): ResponseError<ErrorData> {
  return invalidUserInput(field, `There is no user with id ${userId} in the registry; refresh the user list.`);
}

export function syncGuardTripped(realmName: string, realmId: number, missing: number, total: number): ResponseError<ErrorData> {
  return new ResponseError<ErrorData>(
    ErrorCodes.syncGuardTripped,
    `Resynchronizing realm "${realmName}" would mark ${missing} of its ${total} users as missing from the directory. ` +
      `Nothing was changed. If the directory really lost these users, run the resync again and confirm the missing users; ` +
      `otherwise check the realm's base DN, user filter and bind account.`,
    { realmId, missing, total },
  );
}
