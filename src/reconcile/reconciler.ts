/**
 * The host's polling, per bot. GET /api/agents/me/pending reveals rentals that started without
 * a rental_request (auto-start queue) and makes the platform send its own ending warnings;
 * each live rental's transcript is diffed against what the host handled; a slower loop
 * recovers missed events from notifications. Every call counts against the owner's daily cap,
 * so polling slows from 80 % of a configured cap and stops at 95 %.
 */
import { rentalActorKey } from '../actors/actor-keys.js';
import type { Bot } from '../config/bot-config.js';
import { PRIORITY } from '../queue/bot-queues.js';
import { applyActorEvent, loadActor } from '../runtime/apply-actor-event.js';
import { readRental, rentalInfoEvent } from '../runtime/rental-clock.js';
import type { RuntimeDeps } from '../runtime/runtime-deps.js';
import { diffTranscript } from './diff-transcript.js';
import { recoverFromNotifications } from './recover-notifications.js';

export interface ReconcileSettings {
  /** Poll interval for a bot with a live (or recently ended) rental. @default 60000 */
  pendingIntervalMs: number;
  /** Poll interval for an idle bot; 0 turns idle polling off. @default 900000 */
  idleIntervalMs: number;
  /** How long after its last rental ended a bot counts as busy (a queued rental may auto-start). @default 900000 */
  recentEndMs: number;
  /** Interval of the notifications recovery loop; 0 turns it off. @default 300000 */
  notificationsIntervalMs: number;
  /** How often the loop looks at which bot is due. @default 1000 */
  tickMs: number;
}

export const DEFAULT_RECONCILE_SETTINGS: ReconcileSettings = {
  pendingIntervalMs: 60_000,
  idleIntervalMs: 900_000,
  recentEndMs: 900_000,
  notificationsIntervalMs: 300_000,
  tickMs: 1000,
};

export function createReconciler(deps: RuntimeDeps, settings: ReconcileSettings, wake: (actorKey: string) => void) {
  const due = new Map<string, { pending: number; notifications: number }>();
  const running = new Set<string>();
  const capWarned = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<unknown> = Promise.resolve();

  /** 1 normally, 4 (slower) from 80 % of the cap, Infinity (stop) from 95 %. */
  function capFactor(bot: Bot): number {
    const cap = bot.limits.api_calls_per_day;
    if (!cap) return 1;
    const used = deps.stores.apiUsage.today(bot.profileId, deps.clock.now());
    if (used < cap * 0.8) return 1;
    const day = new Date(deps.clock.now()).toISOString().slice(0, 10);
    if (capWarned.get(bot.profileId) !== day) {
      capWarned.set(bot.profileId, day);
      deps.log.warn({ bot: bot.name, used, cap }, 'close to the daily API cap: polling slows down (and stops at 95 %) so the bot is not paused');
    }
    return used >= cap * 0.95 ? Infinity : 4;
  }

  function rentalsToWatch(bot: Bot) {
    const endedSince = new Date(deps.clock.now() - settings.recentEndMs).toISOString();
    return deps.stores.actors.rentalsOf(bot.profileId, endedSince);
  }

  /** One pending poll plus a transcript diff of every live rental. */
  async function reconcileBot(bot: Bot): Promise<void> {
    const log = deps.log.child({ bot: bot.name });
    const pending = await deps.queues.runPlatform(bot, PRIORITY.rental, () => deps.platformFor(bot).getPending());
    for (const rental of pending.active_rentals ?? []) {
      if (rental.bot_id !== bot.profileId) continue;
      const key = rentalActorKey(bot.profileId, rental.id);
      const known = deps.stores.actors.get(key);
      if (known?.done) continue;
      if (!known) log.info({ actorKey: key }, 'found an active rental the platform never announced (auto-start queue or a lost rental_request)');
      // Listed as active: the sweep ran just before this answer (§3.2), so it is not ended.
      deps.stores.db.transaction(() => applyActorEvent(deps, key, rentalInfoEvent(deps, { ...rental, status: 'active' })))();
    }
    const active = new Set((pending.active_rentals ?? []).map((rental) => rentalActorKey(bot.profileId, rental.id)));
    for (const { actor_key: key } of rentalsToWatch(bot)) {
      if (loadActor(deps.stores, key).done) continue;
      // Live for the host but not active on the platform: ended while its rental_ended was lost.
      if (!active.has(key)) {
        await readRental(deps, bot, key, log);
        if (loadActor(deps.stores, key).done) continue;
      }
      const outcome = await diffTranscript(deps, bot, key);
      if (outcome.recovered > 0 || outcome.startedOnInstructions) wake(key);
    }
  }

  async function runDue(bot: Bot): Promise<void> {
    const now = deps.clock.now();
    // When each loop last ran; the interval is decided now, so a bot that was idle at its last
    // poll and has a rental since is polled at the busy interval, not after the idle one.
    const last = due.get(bot.profileId) ?? { pending: -Infinity, notifications: -Infinity };
    due.set(bot.profileId, last);
    const factor = capFactor(bot);
    if (!Number.isFinite(factor)) return;
    const busy = rentalsToWatch(bot).length > 0;
    const interval = (busy ? settings.pendingIntervalMs : settings.idleIntervalMs) * factor;
    if ((busy || settings.idleIntervalMs > 0) && now >= last.pending + interval) {
      last.pending = now;
      await reconcileBot(bot);
    }
    if (settings.notificationsIntervalMs > 0 && now >= last.notifications + settings.notificationsIntervalMs * factor) {
      last.notifications = now;
      await recoverFromNotifications(deps, bot, wake);
    }
  }

  function tick(): void {
    for (const bot of deps.bots.all) {
      if (running.has(bot.profileId)) continue;
      running.add(bot.profileId);
      const run = runDue(bot)
        .catch((err: unknown) => deps.log.warn({ err, bot: bot.name }, 'reconciliation failed; trying again at the next interval'))
        .finally(() => running.delete(bot.profileId));
      current = Promise.all([current, run]);
    }
  }

  return {
    start(): void {
      timer = setInterval(tick, settings.tickMs);
      timer.unref();
      tick();
    },
    /** Runs one full reconciliation of a bot now (pending poll and transcript diffs). */
    reconcileNow: reconcileBot,
    recoverNotificationsNow: (bot: Bot) => recoverFromNotifications(deps, bot, wake),
    /** Stops polling; waits for a poll in progress at most `graceMs` (it may sit behind a rate limit). */
    async stop(graceMs = 2000): Promise<void> {
      clearInterval(timer);
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([current, new Promise((resolve) => (wait = setTimeout(resolve, graceMs)))]);
      clearTimeout(wait);
    },
  };
}
export type Reconciler = ReturnType<typeof createReconciler>;
