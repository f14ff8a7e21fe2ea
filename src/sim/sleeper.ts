/**
 * Sleeps that `wakeAll()` cuts short. The emulator uses them for every wait (retry delay,
 * reorder hold, API hangs), so `close()` leaves no timer behind to keep a test process alive.
 */
export interface Sleeper {
  sleep(ms: number): Promise<void>;
  /** Resolves every pending sleep now; later sleeps resolve at once. */
  wakeAll(): void;
}

export function createSleeper(): Sleeper {
  let awake = false;
  const pending = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  return {
    sleep: (ms) =>
      new Promise((resolve) => {
        if (awake || ms <= 0) return resolve();
        const entry = {
          wake: () => {
            clearTimeout(entry.timer);
            pending.delete(entry);
            resolve();
          },
          timer: setTimeout(() => entry.wake(), ms),
        };
        pending.add(entry);
      }),
    wakeAll: () => {
      awake = true;
      for (const entry of [...pending]) entry.wake();
    },
  };
}
