// audit/list: the trail of writes, newest first, for one user, one realm or everything.
import { AuditList } from '../../protocol/rpc';
import type { HandlerModule } from '../backendContext';
import { listAudit } from '../users/audit';

export const registerAuditHandlers: HandlerModule = (ctx) => {
  ctx.handle(AuditList, (params) => {
    params.onlyKnown('userId', 'realmId', 'limit');
    return listAudit(ctx.requireStore().db, {
      userId: params.optionalInteger('userId', { min: 1 }),
      realmId: params.optionalInteger('realmId', { min: 1 }),
      limit: params.optionalInteger('limit', { min: 1, max: 10_000 }),
    });
  });
};
