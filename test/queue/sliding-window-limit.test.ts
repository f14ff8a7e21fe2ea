import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSlidingWindowLimit } from '../../src/queue/sliding-window-limit.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Acquires `count` times at once and records when each was admitted (fake Date.now). */
function acquireMany(limit: ReturnType<typeof createSlidingWindowLimit>, count: number): number[] {
  const admitted: number[] = [];
  for (let i = 0; i < count; i++) void limit.acquire().then(() => admitted.push(Date.now()));
  return admitted;
}

describe('sliding-window limit', () => {
  it('admits up to the limit at once, then the next one exactly when the oldest start leaves the window', async () => {
    const limit = createSlidingWindowLimit({ limit: 3, windowMs: 1000 });
    const t0 = Date.now();
    const admitted = acquireMany(limit, 5);
    await vi.advanceTimersByTimeAsync(0);
    expect(admitted.map((t) => t - t0)).toEqual([0, 0, 0]);
    expect(limit.waiting).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(admitted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted.map((t) => t - t0)).toEqual([0, 0, 0, 1000, 1000]);
    expect(limit.waiting).toBe(0);
  });

  it('never lets more than the limit start in any rolling window, where fixed windows would let twice through', async () => {
    const limit = createSlidingWindowLimit({ limit: 10, windowMs: 1000 });
    const t0 = Date.now();
    // A trickle that fills the end of the first window, then a burst right after a fixed boundary.
    const admitted: number[] = [];
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(i === 0 ? 900 : 10);
      void limit.acquire().then(() => admitted.push(Date.now() - t0));
    }
    await vi.advanceTimersByTimeAsync(110);
    const burst = acquireMany(limit, 10);
    await vi.advanceTimersByTimeAsync(5000);
    const all = [...admitted, ...burst.map((t) => t - t0)].sort((a, b) => a - b);
    expect(all).toHaveLength(20);
    const mostInAnyWindow = Math.max(...all.map((start) => all.filter((t) => t >= start && t < start + 1000).length));
    expect(mostInAnyWindow).toBe(10);
  });

  it('counts a start from its restamp when the request leaves later than it was admitted', async () => {
    const limit = createSlidingWindowLimit({ limit: 1, windowMs: 1000 });
    const t0 = Date.now();
    const first = await limit.acquire();
    const admitted = acquireMany(limit, 1);
    await vi.advanceTimersByTimeAsync(400);
    first.restamp();
    await vi.advanceTimersByTimeAsync(999);
    expect(admitted).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(admitted.map((t) => t - t0)).toEqual([1400]);
  });

  it('admits waiters first come, first served', async () => {
    const limit = createSlidingWindowLimit({ limit: 1, windowMs: 100 });
    const order: string[] = [];
    for (const name of ['a', 'b', 'c']) void limit.acquire().then(() => order.push(name));
    await vi.advanceTimersByTimeAsync(250);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => createSlidingWindowLimit({ limit: 0, windowMs: 1000 })).toThrow(RangeError);
    expect(() => createSlidingWindowLimit({ limit: 1.5, windowMs: 1000 })).toThrow(RangeError);
  });
});
