// Roles and their assignments to users. A scope is optional; "no scope" is stored as '' so that
// the UNIQUE (user, role, scope) constraint also holds for unscoped assignments.
import type { Role, RoleRef } from '../../protocol/model';
import { integer, optionalText, text, type RowSource } from './repositorySupport';
import type { Row } from './store';

export type RoleAssignment = RoleRef & { roleId: number; name: string };

function toRole(row: Row): Role {
  const role: Role = { id: integer(row.id), name: text(row.name) };
  const description = optionalText(row.description);
  if (description !== undefined) {
    role.description = description;
  }
  return role;
}

function toRef(row: Row): RoleRef & { roleId: number } {
  const ref: RoleRef & { roleId: number } = { roleId: integer(row.role_id) };
  if (row.scope) {
    ref.scope = text(row.scope);
  }
  return ref;
}

export class RoleRepository {
  constructor(private readonly store: RowSource) {}

  list(): Role[] {
    return this.store.all('SELECT id, name, description FROM roles ORDER BY id').map(toRole);
  }

  get(id: number): Role | undefined {
    const row = this.store.get('SELECT id, name, description FROM roles WHERE id = ?', [id]);
    return row && toRole(row);
  }

  findByName(name: string): Role | undefined {
    const row = this.store.get('SELECT id, name, description FROM roles WHERE name = ? COLLATE NOCASE', [name]);
    return row && toRole(row);
  }

  /** The role a RoleRef points at (by id, else by name), or undefined. */
  resolve(ref: RoleRef): Role | undefined {
    if (ref.roleId !== undefined) {
      return this.get(ref.roleId);
    }
    return ref.name !== undefined ? this.findByName(ref.name) : undefined;
  }

  /** Inside Store.write(). Names are unique regardless of case (a duplicate throws a constraint error). */
  insert(role: { name: string; description?: string }): Role {
    const { lastInsertRowid } = this.store.run('INSERT INTO roles (name, description) VALUES (?, ?)', [
      role.name,
      role.description ?? null,
    ]);
    return this.get(lastInsertRowid)!;
  }

  /** Inside Store.write(). */
  update(id: number, role: { name: string; description?: string }): Role | undefined {
    const { changes } = this.store.run('UPDATE roles SET name = ?, description = ? WHERE id = ?', [
      role.name,
      role.description ?? null,
      id,
    ]);
    return changes > 0 ? this.get(id) : undefined;
  }

  /** A user's roles, with names, ordered by role id then scope. */
  assignmentsOf(userId: number): RoleAssignment[] {
    return this.store
      .all(
        `SELECT a.role_id, a.scope, r.name FROM role_assignments a JOIN roles r ON r.id = a.role_id
         WHERE a.user_id = ? ORDER BY a.role_id, a.scope`,
        [userId],
      )
      .map((row) => ({ ...toRef(row), name: text(row.name) }));
  }

  /** Role refs of many users at once (all users when `userIds` is omitted): for listings. */
  assignmentsByUser(userIds?: readonly number[]): Map<number, RoleRef[]> {
    const result = new Map<number, RoleRef[]>();
    const rows =
      userIds === undefined
        ? this.store.all('SELECT user_id, role_id, scope FROM role_assignments ORDER BY user_id, role_id, scope')
        : userIds.length === 0
          ? []
          : this.store.all(
              `SELECT user_id, role_id, scope FROM role_assignments
               WHERE user_id IN (SELECT value FROM json_each(?)) ORDER BY user_id, role_id, scope`,
              [JSON.stringify(userIds)],
            );
    for (const row of rows) {
      const userId = integer(row.user_id);
      let refs = result.get(userId);
      if (!refs) {
        refs = [];
        result.set(userId, refs);
      }
      refs.push(toRef(row));
    }
    return result;
  }

  /** Inside Store.write(). Returns false when the user already had this role (and scope). */
  assign(userId: number, roleId: number, scope?: string): boolean {
    return (
      this.store.run('INSERT OR IGNORE INTO role_assignments (user_id, role_id, scope) VALUES (?, ?, ?)', [
        userId,
        roleId,
        scope ?? '',
      ]).changes > 0
    );
  }

  /** Inside Store.write(). */
  unassign(userId: number, roleId: number, scope?: string): boolean {
    return (
      this.store.run('DELETE FROM role_assignments WHERE user_id = ? AND role_id = ? AND scope = ?', [
        userId,
        roleId,
        scope ?? '',
      ]).changes > 0
    );
  }

  /** Inside Store.write(). Removes every role of a user; returns how many. */
  clearAssignments(userId: number): number {
    return this.store.run('DELETE FROM role_assignments WHERE user_id = ?', [userId]).changes;
  }
}
