/**
 * The three workers behind every actor — inbox events, LLM turns, outbox posts — each serial
 * per actor and concurrent across actors. All their work is in SQLite, so `recover()` after a
 * restart simply kicks every actor that has something left to do.
 */
import { CpuSlices } from './cpu-slices.js';
import { KeyedWorker } from './keyed-worker.js';
import { settleRentalClock } from './rental-clock.js';
import { processInboxBatch } from './process-inbox-event.js';
import { runNextTurn } from './run-turn.js';
import type { RuntimeDeps } from './runtime-deps.js';
import { sendNextPost } from './send-outbox.js';

/** After an unexpected error (e.g. the disk is full), look at the actor again this much later. */
const RETRY_AFTER_ERROR_MS = 5000;
/**
 * A stop lets running turns finish until this long before its grace period ends, then aborts
 * their model and tool calls: the turns unwind, stay pending without counting the attempt, and
 * the database closes with no step left running.
 */
const ABORT_BEFORE_GRACE_ENDS_MS = 1000;

export function createHostRuntime(deps: RuntimeDeps) {
  // Every worker's steps start in shared CPU slices, so a backlog never holds up webhooks.
  const slices = new CpuSlices();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  const shutdown = new AbortController();
  const turnDeps: RuntimeDeps = { ...deps, shutdownSignal: shutdown.signal };

  const later = (delayMs: number, action: () => void) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, Math.max(0, delayMs));
    timer.unref();
    timers.add(timer);
  };
  const onError = (worker: string, retry: (key: string) => void) => (key: string, err: unknown) => {
    deps.log.error({ err, actorKey: key, worker }, `${worker} worker failed; retrying in ${RETRY_AFTER_ERROR_MS} ms`);
    later(RETRY_AFTER_ERROR_MS, () => retry(key));
  };

  const outbox: KeyedWorker = new KeyedWorker(
    async (key) => {
      const outcome = await sendNextPost(deps, key);
      if (outcome.kind === 'none') return false;
      if (outcome.kind === 'wait') {
        later(outcome.untilMs - deps.clock.now(), () => outbox.kick(key));
        return false;
      }
      return true;
    },
    onError('outbox', (key) => outbox.kick(key)),
    slices,
  );
  const turns: KeyedWorker = new KeyedWorker(
    async (key) => {
      const outcome = await runNextTurn(turnDeps, key, () => outbox.kick(key));
      if (outcome === 'none') return false;
      outbox.kick(key);
      return true;
    },
    onError('turn', (key) => turns.kick(key)),
    slices,
  );
  // The host's rental clock: due timers are looked for on a tick, so a restart re-arms them by
  // simply reading the table, and a test's fake clock needs no timer patching.
  const clock: KeyedWorker = new KeyedWorker(
    async (key) => {
      const timer = deps.stores.timers.pendingFor(key).find((t) => t.due_at <= deps.clock.now());
      if (!timer) return false;
      const log = deps.log.child({ actorKey: key, timer: timer.kind });
      const turnsStarted = await settleRentalClock(deps, key, timer.kind, log);
      deps.stores.timers.finish(timer.id, 'fired');
      if (turnsStarted > 0) turns.kick(key);
      outbox.kick(key);
      return true;
    },
    onError('clock', (key) => clock.kick(key)),
    slices,
  );
  const tick = setInterval(() => {
    if (stopped) return;
    try {
      for (const timer of deps.stores.timers.due(deps.clock.now())) clock.kick(timer.actor_key);
    } catch (err) {
      deps.log.error({ err }, 'could not read due timers');
    }
  }, deps.settings.timerTickMs);
  tick.unref();

  const inbox: KeyedWorker = new KeyedWorker(
    (key) => {
      const batch = processInboxBatch(deps, key);
      batch.turnsFor.forEach((actor) => turns.kick(actor));
      return batch.processed > 0;
    },
    onError('inbox', (key) => inbox.kick(key)),
    slices,
  );

  const workers = [inbox, turns, outbox, clock];
  return {
    /** A webhook for this actor was committed. */
    accepted(actorKey: string): void {
      inbox.kick(actorKey);
    },
    /** Something changed for this actor outside the inbox (the reconciler, the clock): look at all its work. */
    wake(actorKey: string): void {
      inbox.kick(actorKey);
      turns.kick(actorKey);
      outbox.kick(actorKey);
    },
    /** Picks up whatever a previous run left in the database. */
    recover(): { inbox: number; turns: number; outbox: number } {
      const pending = {
        inbox: deps.stores.inbox.actorsWithPendingEvents(),
        turns: deps.stores.turns.actorsWithPendingTurns(),
        outbox: deps.stores.outbox.actorsWithOpenPosts(),
      };
      pending.inbox.forEach((key) => inbox.kick(key));
      pending.turns.forEach((key) => turns.kick(key));
      pending.outbox.forEach((key) => outbox.kick(key));
      return { inbox: pending.inbox.length, turns: pending.turns.length, outbox: pending.outbox.length };
    },
    busy(): number {
      return workers.reduce((sum, worker) => sum + worker.busy, 0);
    },
    /** Resolves when no worker is running (scheduled retries may still be waiting). */
    async whenIdle(): Promise<void> {
      do {
        await Promise.all(workers.map((worker) => worker.whenIdle()));
      } while (workers.some((worker) => worker.busy > 0));
    },
    /**
     * Stops taking work and waits for running steps up to `graceMs`; turns still waiting for the
     * model near the end are aborted (they run again at the next start). Unfinished work stays in the database.
     */
    async stop(graceMs: number): Promise<boolean> {
      stopped = true;
      clearInterval(tick);
      timers.forEach((timer) => clearTimeout(timer));
      timers.clear();
      workers.forEach((worker) => worker.stop());
      const abort = setTimeout(
        () => shutdown.abort(new Error('the host is shutting down')),
        Math.max(0, graceMs - Math.min(ABORT_BEFORE_GRACE_ENDS_MS, graceMs / 2)),
      );
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        Promise.all(workers.map((worker) => worker.whenIdle())).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      clearTimeout(abort);
      return drained;
    },
  };
}
export type HostRuntime = ReturnType<typeof createHostRuntime>;
