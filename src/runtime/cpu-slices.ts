/**
 * Runs synchronous work (a batch of inbox events is one SQLite transaction) in slices of at
 * most SLICE_MS per turn of the event loop, so the webhook route is answered between slices.
 *
 * Yielding with setImmediate alone is not enough: when thousands of actors are kicked at once
 * (a restart with a backlog), their immediates all sit in the same queue, and Node runs that
 * whole queue before it polls for I/O again. Here the queued tasks share one immediate, which
 * stops after its slice and leaves the rest for the next turn of the loop.
 */
export const SLICE_MS = 8;

export class CpuSlices {
  readonly #queue: (() => void)[] = [];
  #scheduled = false;

  constructor(private readonly sliceMs = SLICE_MS) {}

  /** Runs `task` in a later slice; settles with its result or its error. */
  run<T>(task: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push(() => {
        try {
          resolve(task());
        } catch (error) {
          reject(error);
        }
      });
      this.#schedule();
    });
  }

  get waiting(): number {
    return this.#queue.length;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#pump());
  }

  #pump(): void {
    this.#scheduled = false;
    const started = performance.now();
    // At least one task per slice, so a task longer than a slice still makes progress.
    do this.#queue.shift()!();
    while (this.#queue.length > 0 && performance.now() - started < this.sliceMs);
    if (this.#queue.length > 0) this.#schedule();
  }
}
