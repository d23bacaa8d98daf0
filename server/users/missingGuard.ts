// The guard against mass "missing" marks (reliability.md S2): a base DN or filter mistake, or a
// read that silently came back short, looks exactly like thousands of users leaving. Above the
// threshold a realm resync applies nothing and asks for confirmation (error 1302).

/**
 * How many users may newly go missing in one realm resync without confirmation: the built-in
 * rule max(50, 10 %), or exactly the share the admin set (ldapUsers.sync.missingThreshold).
 */
export function missingThreshold(realmUsers: number, share?: number): number {
  if (share !== undefined) return Math.floor(realmUsers * share);
  return Math.max(50, Math.floor(realmUsers * 0.1));
}

export interface MissingGuardInput {
  /** Users that this resync would newly mark missing. */
  newlyMissing: number;
  /** External users of the realm before the resync. */
  realmUsers: number;
  /** Entries the directory returned. */
  entriesRead: number;
  /** The admin's share 0–1 instead of the built-in rule. */
  share?: number;
}

/**
 * True when the resync must stop and ask: more than max(50, 10 %) of the realm's users would go
 * missing, or the directory returned nothing at all for a realm that has users (an empty result
 * is far more often a wrong base DN or filter than a company with no staff).
 */
export function missingGuardTrips(input: MissingGuardInput): boolean {
  if (input.newlyMissing === 0) return false;
  if (input.entriesRead === 0) return true;
  return input.newlyMissing > missingThreshold(input.realmUsers, input.share);
}
