// Set arithmetic on role assignments (role + optional scope), shared by role/assign, role/copy
// and import defaults. Pure so that the rules are unit-tested and audit before/after is exact.
import type { RoleAssignMode, RoleCopyMode } from '../../protocol/rpc';

export interface Assignment {
  roleId: number;
  /** Absent = the role applies everywhere. */
  scope?: string;
}

function key(a: Assignment): string {
  return `${a.roleId}\u0000${a.scope ?? ''}`;
}

/** Sorted by role id then scope, without duplicates: a stable form to compare and to store. */
export function normaliseAssignments(list: readonly Assignment[]): Assignment[] {
  const byKey = new Map<string, Assignment>();
  for (const a of list) {
    const scope = a.scope?.trim() ? a.scope.trim() : undefined;
    const clean: Assignment = scope === undefined ? { roleId: a.roleId } : { roleId: a.roleId, scope };
    byKey.set(key(clean), clean);
  }
  return [...byKey.values()].sort((x, y) => x.roleId - y.roleId || (x.scope ?? '').localeCompare(y.scope ?? ''));
}

export function sameAssignments(a: readonly Assignment[], b: readonly Assignment[]): boolean {
  const x = normaliseAssignments(a);
  const y = normaliseAssignments(b);
  return x.length === y.length && x.every((v, i) => key(v) === key(y[i]));
}

/**
 * role/assign: `add` unions; `replace` sets exactly `given`; `remove` drops matching
 * assignments — a ref without scope removes that role in every scope, a ref with a scope only
 * that scope.
 */
export function assignRoles(current: readonly Assignment[], given: readonly Assignment[], mode: RoleAssignMode): Assignment[] {
  switch (mode) {
    case 'add':
      return normaliseAssignments([...current, ...given]);
    case 'replace':
      return normaliseAssignments(given);
    case 'remove': {
      const drop = normaliseAssignments(given);
      return normaliseAssignments(
        current.filter((a) => !drop.some((d) => d.roleId === a.roleId && (d.scope === undefined || d.scope === (a.scope?.trim() || undefined)))),
      );
    }
  }
}

/** role/copy (TWCloud "copy roles from another user"): `merge` keeps the target's own roles too. */
export function copyRoles(target: readonly Assignment[], source: readonly Assignment[], mode: RoleCopyMode): Assignment[] {
  return mode === 'merge' ? normaliseAssignments([...target, ...source]) : normaliseAssignments(source);
}

/** Assignments as audit text, e.g. "User Manager, Project Contributor @ projectA". */
export function describeAssignments(list: readonly Assignment[], roleName: (roleId: number) => string): string {
  return normaliseAssignments(list)
    .map((a) => (a.scope ? `${roleName(a.roleId)} @ ${a.scope}` : roleName(a.roleId)))
    .join(', ');
}
