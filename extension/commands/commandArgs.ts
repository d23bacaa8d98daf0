// What a command was invoked on. From a tree: the node (and, with multi-select, the selection);
// from a webview, a link or another extension: `{ realmId }`, `{ userId }`, `{ userIds }` or a
// number; from the palette: nothing (the command then asks with a QuickPick). Pure, unit-tested.
import type { TreeNode } from '../tree/nodes';

function record(arg: unknown): Record<string, unknown> | undefined {
  return typeof arg === 'object' && arg !== null && !Array.isArray(arg) ? (arg as Record<string, unknown>) : undefined;
}

function positiveInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) {
    return v;
  }
  if (typeof v === 'string' && /^[1-9]\d*$/.test(v.trim())) {
    return Number(v.trim());
  }
  return undefined;
}

/** The realm a realm command applies to, or undefined to ask. */
export function realmIdFromArg(arg: unknown): number | undefined {
  const r = record(arg);
  if (!r) {
    return positiveInt(arg);
  }
  const node = r as Partial<TreeNode>;
  if (node.kind === 'realm') {
    return positiveInt((r.realm as { id?: unknown } | undefined)?.id);
  }
  if (node.kind === 'loadMore' || node.kind === 'user') {
    return undefined;
  }
  return positiveInt(r.realmId) ?? positiveInt(record(r.realm)?.id);
}

/** The user a single-user command applies to, or undefined to ask. */
export function userIdFromArg(arg: unknown): number | undefined {
  const r = record(arg);
  if (!r) {
    return positiveInt(arg);
  }
  if (r.kind === 'user') {
    return positiveInt((r.user as { id?: unknown } | undefined)?.id);
  }
  if (r.kind !== undefined) {
    return undefined;
  }
  return positiveInt(r.userId) ?? positiveInt(record(r.user)?.id);
}

/**
 * The users a multi-user command applies to. VS Code passes (clicked node, selected nodes);
 * the selection counts only when it contains the clicked node (a right-click outside the
 * selection acts on the clicked node alone). Empty = ask.
 */
export function userIdsFromArgs(arg: unknown, selection?: unknown): number[] {
  if (Array.isArray(selection) && selection.length > 0) {
    const ids = selection.map(userIdFromArg);
    const clicked = userIdFromArg(arg);
    if (clicked === undefined || ids.includes(clicked)) {
      const valid = ids.filter((id): id is number => id !== undefined);
      if (valid.length > 0) {
        return [...new Set(valid)];
      }
    }
  }
  if (Array.isArray(arg)) {
    return [...new Set(arg.map(userIdFromArg).filter((id): id is number => id !== undefined))];
  }
  const r = record(arg);
  if (r && Array.isArray(r.userIds)) {
    return [...new Set(r.userIds.map(positiveInt).filter((id): id is number => id !== undefined))];
  }
  const one = userIdFromArg(arg);
  return one === undefined ? [] : [one];
}
