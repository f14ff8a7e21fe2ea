import type { CpuSlices } from './cpu-slices.js';

/**
 * Runs `step(key)` repeatedly for one key at a time until it reports no more work; different
 * keys run concurrently. A kick while a key is running makes it look again, so no work is
 * missed between the last check and the end of the loop.
 */
export class KeyedWorker {
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #stopped = false;

  /**
   * With `slices`, each step starts inside a CPU slice shared with the other workers, so a
   * thousand actors woken at once (a restart with a backlog) start their steps a slice at a
   * time, with webhooks answered in between.
   */
  constructor(
    private readonly step: (key: string) => Promise<boolean> | boolean,
    private readonly onError: (key: string, error: unknown) => void,
    private readonly slices?: CpuSlices,
  ) {}

  kick(key: string): void {
    if (this.#stopped) return;
    if (this.#running.has(key)) {
      this.#again.add(key);
      return;
    }
    const run = this.#drain(key).finally(() => this.#running.delete(key));
    this.#running.set(key, run);
  }

  async #drain(key: string): Promise<void> {
    const slices = this.slices;
    // Each step runs later than now: the webhook's response goes out before any work starts,
    // and a synchronous step (a batch of inbox events) never runs a whole backlog in microtasks.
    const runStep = slices ? () => slices.run(() => this.step(key)) : async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return this.step(key);
    };
    do {
      this.#again.delete(key);
      try {
        while (!this.#stopped && (await runStep()));
      } catch (error) {
        this.onError(key, error);
        return;
      }
    } while (!this.#stopped && this.#again.has(key));
  }

  get busy(): number {
    return this.#running.size;
  }

  /** Resolves when no key is running. */
  async whenIdle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running.values()]);
  }

  /** Stops taking new kicks; running steps finish. */
  stop(): void {
    this.#stopped = true;
  }
}
