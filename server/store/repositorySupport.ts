// What the repositories share: the narrow view of the Store they use, and conversions between
// SQLite column values and DTO fields.
import type { BindParams, SqlValue } from 'sql.js';

export function text(value: SqlValue | undefined): string {
  return value == null ? '' : String(value);
}

/** NULL (and absent) → undefined, so that optional DTO fields are left out. */
export function optionalText(value: SqlValue | undefined): string | undefined {
  return value == null ? undefined : String(value);
}

export function flag(value: SqlValue | undefined): boolean {
  return value != null && Number(value) !== 0;
}

export function integer(value: SqlValue | undefined): number {
  return Number(value ?? 0);
}

export function optionalInteger(value: SqlValue | undefined): number | undefined {
  return value == null ? undefined : Number(value);
}

export function jsonValue<T>(value: SqlValue | undefined, fallback: T): T {
  if (value == null || value === '') {
    return fallback;
  }
  try {
    return JSON.parse(String(value)) as T;
  } catch {
    return fallback;
  }
}

export function bit(value: boolean | undefined): number {
  return value ? 1 : 0;
}

export function nullable(value: string | undefined | null): string | null {
  return value === undefined || value === null ? null : value;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** What a repository needs from the Store (kept narrow so that repositories stay simple). */
export interface RowSource {
  all<T = Record<string, SqlValue>>(sql: string, params?: BindParams): T[];
  get<T = Record<string, SqlValue>>(sql: string, params?: BindParams): T | undefined;
  run(sql: string, params?: BindParams): { changes: number; lastInsertRowid: number };
}
