/**
 * The host owns each rental's clock (CONTRACT §4.4–§4.6): the platform sends no rental_ended
 * for a clock expiry, warns only when polled, and says nothing about extensions. So the host
 * reads `expires_at` itself and acts on durable timers, re-reading the rental before it acts.
 */
import type { Logger } from 'pino';
import type { Bot } from '../config/bot-config.js';
import { PlatformError } from '../errors.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { ActorEvent } from '../actors/route-inbox-event.js';
import { applyActorEvent, loadActor, rentalContext } from './apply-actor-event.js';
import type { RuntimeDeps } from './runtime-deps.js';

export type RentalReadVerdict = 'known' | 'unknown' | 'gone';

/** The actor event for a rental row read from the platform (GET /api/rentals/{id} or pending). */
export function rentalInfoEvent(
  deps: Pick<RuntimeDeps, 'clock' | 'settings'>,
  rental: { renter_id: string; owner_id?: string | null; expires_at: string | null; started_at?: string | null; status?: string },
): Extract<ActorEvent, { type: 'rental.info' }> {
  const expiresAt = rental.expires_at ? new Date(rental.expires_at).toISOString() : null;
  return {
    type: 'rental.info',
    renterId: rental.renter_id,
    ownerId: rental.owner_id ?? null,
    expiresAt,
    startedAt: rental.started_at ? new Date(rental.started_at).toISOString() : null,
    ended: rental.status === 'ended',
    // Ends later than the warning window from now: an extension puts a wrapped-up rental back to work.
    reopened: expiresAt !== null && Date.parse(expiresAt) - deps.clock.now() > deps.settings.rentalWarningMs,
  };
}

/**
 * GET /api/rentals/{id} and tell the actor. 'gone' when the platform does not know the rental
 * for this bot (a forged or stale event): the actor ends. 'unknown' when the platform could not
 * be asked: the caller goes on with what it knows.
 */
export async function readRental(deps: RuntimeDeps, bot: Bot, actorKey: string, log: Logger): Promise<RentalReadVerdict> {
  const context = rentalContext(loadActor(deps.stores, actorKey));
  if (!context) return 'unknown';
  try {
    const rental = await deps.queues.runPlatform(bot, PRIORITY.rental, () => deps.platformFor(bot).getRental(context.rentalId));
    if (rental.bot_id && rental.bot_id !== bot.profileId) {
      throw new PlatformError('GET', `/rentals/${context.rentalId}`, 'the rental belongs to another bot', { status: 403 });
    }
    deps.stores.db.transaction(() => applyActorEvent(deps, actorKey, rentalInfoEvent(deps, rental)))();
    return 'known';
  } catch (err) {
    if (err instanceof PlatformError && (err.status === 404 || err.status === 403)) {
      log.warn({ err }, 'the platform does not know this rental for this bot; ending its actor (forged or stale event?)');
      deps.stores.db.transaction(() => applyActorEvent(deps, actorKey, { type: 'rental.ended', reason: `GET rental answered ${err.status}` }))();
      return 'gone';
    }
    log.warn({ err }, 'could not read the rental from the platform; going on with what the host knows');
    return 'unknown';
  }
}

/**
 * Acts on the host's clock for a rental: re-reads the rental (an extension moves expires_at
 * without any event), then, if the deadline still stands, warns or ends. Returns the number of
 * turns the actor asked for.
 */
export async function settleRentalClock(deps: RuntimeDeps, actorKey: string, kind: 'warn' | 'expire', log: Logger): Promise<number> {
  const actor = loadActor(deps.stores, actorKey);
  const bot = deps.bots.byId(actor.botId);
  if (actor.done || !bot) return 0;
  await readRental(deps, bot, actorKey, log);
  return deps.stores.db.transaction(() => {
    const current = loadActor(deps.stores, actorKey);
    const expiresAt = rentalContext(current)?.expiresAt;
    if (current.done || !expiresAt) return 0;
    const now = deps.clock.now();
    if (kind === 'expire' && now >= Date.parse(expiresAt)) {
      log.info({ expiresAt }, 'expires_at has passed: the rental is over, nothing more is posted to it');
      return applyActorEvent(deps, actorKey, { type: 'rental.clock_expired' }).turnsStarted;
    }
    if (kind === 'warn' && now >= Date.parse(expiresAt) - deps.settings.rentalWarningMs) {
      log.info({ expiresAt }, 'the rental is in its final minutes: wrapping up');
      return applyActorEvent(deps, actorKey, { type: 'rental.clock_warning' }).turnsStarted;
    }
    return 0;
  })();
}

/** True when the host's clock says this rental is over (the caller should settle it before posting). */
export function pastExpiry(deps: RuntimeDeps, actorKey: string): boolean {
  const expiresAt = rentalContext(loadActor(deps.stores, actorKey))?.expiresAt;
  return !!expiresAt && deps.clock.now() >= Date.parse(expiresAt);
}
