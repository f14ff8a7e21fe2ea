/**
 * Runs `step(key)` repeatedly for one key at a time until it reports no more work; different
 * keys run concurrently. A kick while a key is running makes it look again, so no work is
 * missed between the last check and the end of the loop.
 */
export class KeyedWorker {
  readonly #running = new Map<string, Promise<void>>();
  readonly #again = new Set<string>();
  #stopped = false;

  constructor(
    private readonly step: (key: string) => Promise<boolean> | boolean,
    private readonly onError: (key: string, error: unknown) => void,
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
    // Let the webhook's response go out before any work starts.
    await new Promise((resolve) => setImmediate(resolve));
    do {
      this.#again.delete(key);
      try {
        // Back to the event loop between steps: a synchronous step (a batch of inbox events)
        // would otherwise run a whole backlog in microtasks while webhooks wait.
        while (!this.#stopped && (await this.step(key))) await new Promise((resolve) => setImmediate(resolve));
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
