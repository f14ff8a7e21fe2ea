import { describe, expect, it } from 'vitest';
import { CpuSlices } from '../../src/runtime/cpu-slices.js';

const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('CPU slices', () => {
  it('runs queued work a slice at a time, letting timers and I/O run in between', async () => {
    const slices = new CpuSlices(5);
    let done = 0;
    const tasks = Array.from({ length: 60 }, () => slices.run(() => {
      busy(1);
      return ++done;
    }));
    await tasks[0];
    // A timer set once the work has begun fires between slices, long before the 60 ms of work is over.
    const seenByTimer = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
    expect(seenByTimer).toBeLessThan(60);
    expect(await Promise.all(tasks)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('settles each task with its own result or error, and runs a task longer than a slice', async () => {
    const slices = new CpuSlices(1);
    const failing = slices.run(() => {
      throw new Error('this task failed');
    });
    const long = slices.run(() => {
      busy(5);
      return 'finished';
    });
    const asyncTask = slices.run(async () => 'later');
    await expect(failing).rejects.toThrow('this task failed');
    await expect(long).resolves.toBe('finished');
    await expect(asyncTask).resolves.toBe('later');
    expect(slices.waiting).toBe(0);
  });
});
