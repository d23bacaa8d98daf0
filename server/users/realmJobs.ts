// One directory job (import or resync) per realm at a time (reliability.md S5): a double-clicked
// Import must not start two reads whose applies would race for the same users.
import { userConflict } from './userErrors';

const running = new Map<number, string>();

/** Runs `job` holding the realm's job slot; refuses (1301) while another job holds it. */
export async function withRealmJob<T>(realmId: number, realmName: string, what: string, job: () => Promise<T>): Promise<T> {
  const current = running.get(realmId);
  if (current !== undefined) {
    throw userConflict(`${current} of realm "${realmName}" is still running; wait for it to finish (or cancel it), then try again.`, { realmId });
  }
  running.set(realmId, what);
  try {
    return await job();
  } finally {
    running.delete(realmId);
  }
}
