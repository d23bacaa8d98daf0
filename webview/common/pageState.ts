// Form drafts kept in the panel's state slot (vscode getState/setState), so a tab that was hidden
// (and whose page was therefore unloaded) comes back as the admin left it. Passwords are never
// put here: the state is persisted by VS Code.

export interface StateSlot {
  getState(): unknown;
  setState(state: unknown): void;
}

export class DraftStore<T extends object> {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: T;

  constructor(
    private readonly slot: StateSlot,
    defaults: T,
    /** Keeps only the known keys of a stored draft, with the right types. */
    sanitize: (stored: Record<string, unknown>, defaults: T) => T,
    private readonly delayMs = 150,
  ) {
    const stored = slot.getState();
    this.current =
      stored && typeof stored === 'object' && !Array.isArray(stored)
        ? sanitize(stored as Record<string, unknown>, defaults)
        : defaults;
  }

  get value(): T {
    return this.current;
  }

  /** Merges a change into the draft; writes are batched (typing must stay smooth). */
  update(change: Partial<T>): void {
    this.current = { ...this.current, ...change };
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
    }
  }

  /** Merges a discrete change (a select, a check box) and saves it at once. */
  updateNow(change: Partial<T>): void {
    this.current = { ...this.current, ...change };
    this.flush();
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.slot.setState(this.current);
  }
}

/** Copies the keys of `defaults` from `stored` when they have the same primitive type (arrays: of that type). */
export function sameShape<T extends object>(stored: Record<string, unknown>, defaults: T): T {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, fallback] of Object.entries(defaults)) {
    const value = stored[key];
    if (Array.isArray(fallback)) {
      if (Array.isArray(value)) {
        out[key] = value;
      }
    } else if (fallback === null) {
      if (value === null || typeof value === 'number' || typeof value === 'string') {
        out[key] = value;
      }
    } else if (typeof value === typeof fallback && value !== null && !Array.isArray(value)) {
      out[key] = value;
    }
  }
  return out as T;
}
