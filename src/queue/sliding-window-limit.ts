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

export interface SlidingWindowLimit {
  /** Resolves when one more start fits in the window; the start is counted from then. */
  acquire(): Promise<void>;
  /** Callers waiting for room. */
  readonly waiting: number;
}

export function createSlidingWindowLimit(options: SlidingWindowLimitOptions): SlidingWindowLimit {
  const { limit, windowMs } = options;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  if (!(windowMs > 0)) throw new RangeError(`windowMs must be positive, got ${windowMs}`);
  const now = options.now ?? Date.now;
  /** Start times still inside the window, oldest first; never more than `limit`. */
  const starts: number[] = [];
  const waiters: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;

  /** Admits waiters while there is room; otherwise wakes up when the oldest start leaves the window. */
  function pump(): void {
    timer = undefined;
    const at = now();
    while (starts.length > 0 && at - starts[0]! >= windowMs) starts.shift();
    while (waiters.length > 0 && starts.length < limit) {
      starts.push(at);
      waiters.shift()!();
    }
    if (waiters.length > 0) timer = setTimeout(pump, starts[0]! + windowMs - at);
  }

  return {
    acquire() {
      return new Promise<void>((resolve) => {
        waiters.push(resolve);
        if (!timer) pump();
      });
    },
    get waiting() {
      return waiters.length;
    },
  };
}
