/**
 * At most `limit` starts in any `windowMs`, measured over a sliding window (a log of the last
 * `limit` start times). Fixed windows, as p-queue's `intervalCap` counts them, let up to twice
 * the limit through around a window boundary; a provider that counts requests per rolling
 * minute would refuse the excess. Waiters are admitted first come, first served.
 */

export interface SlidingWindowLimitOptions {
  limit: number;
  windowMs: number;
  /** @default Date.now */
  now?: () => number;
}

/** One admitted start. */
export interface Admission {
  /**
   * The request really leaves now, later than it was admitted (work between the two, a busy
   * event loop): count it from now, so the next ones keep their distance from when it arrives.
   */
  restamp(): void;
}

export interface SlidingWindowLimit {
  /** Resolves when one more start fits in the window; the start is counted from then. */
  acquire(): Promise<Admission>;
  /** Callers waiting for room. */
  readonly waiting: number;
}

export function createSlidingWindowLimit(options: SlidingWindowLimitOptions): SlidingWindowLimit {
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const now = options.now ?? Date.now;
  /** Starts still inside the window, oldest first; never more than `limit`. */
  let starts: { at: number }[] = [];
  const waiters: ((admission: Admission) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  /** Admits waiters while there is room; otherwise wakes up when the oldest start leaves the window. */
  function pump(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const at = now();
    while (starts.length > 0 && at - starts[0]!.at >= windowMs) starts.shift();
    while (waiters.length > 0 && starts.length < limit) {
      const start = { at };
      starts.push(start);
      waiters.shift()!({ restamp: () => restamp(start) });
    }
    if (waiters.length > 0) timer = setTimeout(pump, starts[0]!.at + windowMs - at);
  }

  function restamp(start: { at: number }): void {
    // Every other start was stamped at or before now: this one becomes the newest. (One that
    // waited so long that it already left the window counts again, as what reaches the provider.)
    start.at = now();
    starts = [...starts.filter((s) => s !== start), start];
    if (timer) pump();
  }

  return {
    acquire() {
      return new Promise<Admission>((resolve) => {
        waiters.push(resolve);
        if (!timer) pump();
      });
    },
    get waiting() {
      return waiters.length;
    },
  };
}
