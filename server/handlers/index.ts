// Every handler module of the backend. To add one: import its register function and append it
// to the list (main.ts calls each with the BackendContext at start-up).
import type { HandlerModule } from '../backendContext';
import { registerLifecycleHandlers } from './lifecycle';
import { registerRoleHandlers } from './roleHandlers';
import { registerUserHandlers } from './userHandlers';
import { registerAuditHandlers } from './auditHandlers';
import { registerRealmResyncHandler } from './realmResyncHandler';
import { registerRealmHandlers } from './realmHandlers';

export const handlerModules: readonly HandlerModule[] = [
  registerLifecycleHandlers,
  registerRoleHandlers,
  registerUserHandlers,
  registerAuditHandlers,
  registerRealmResyncHandler,
  registerRealmHandlers,
];
