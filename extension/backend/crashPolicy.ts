// When to restart a crashed backend, and when to stop trying (issue 4: after 5 crashes in
// 3 minutes it stops and says so). Pure, so the policy is unit-tested with a fake clock.

export interface CrashPolicyOptions {
  maxCrashes: number;
  windowMs: number;
  /** Delay before the n-th restart within the window (index n-1; the last value repeats). */
  backoffMs: readonly number[];
}

export const defaultCrashPolicy: CrashPolicyOptions = {
  maxCrashes: 5,
  windowMs: 3 * 60_000,
  backoffMs: [200, 1_000, 3_000, 10_000],
};

export type CrashDecision = { restart: true; delayMs: number } | { restart: false; crashes: number };

export class CrashPolicy {
  private crashTimes: number[] = [];

  constructor(private readonly options: CrashPolicyOptions = defaultCrashPolicy) {}

  /** Records a crash at `now` and says whether to restart, and after how long. */
  recordCrash(now: number): CrashDecision {
    this.crashTimes = this.crashTimes.filter((t) => now - t < this.options.windowMs);
    this.crashTimes.push(now);
    const n = this.crashTimes.length;
    if (n >= this.options.maxCrashes) {
      return { restart: false, crashes: n };
    }
    const delays = this.options.backoffMs;
    return { restart: true, delayMs: delays[Math.min(n - 1, delays.length - 1)] ?? 0 };
  }

  /** An explicit restart by the administrator starts counting afresh. */
  reset(): void {
    this.crashTimes = [];
  }
}
