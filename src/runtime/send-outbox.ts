/**
 * Sends an actor's next outbox row to the platform. Success marks it sent; a 400 "ended" ends
 * the rental (which cancels everything still queued for it); no answer, 5xx or 429 retries with
 * capped exponential backoff; any other refusal is recorded as failed and the next row goes.
 * A row found in 'sending' was in flight when a previous process died: the platform's
 * transcript says whether it arrived before it is sent again.
 */
import { PlatformError } from '../errors.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { OutboxRow } from '../store/outbox-store.js';
import { isoNow } from '../time.js';
import { applyActorEvent, loadActor } from './apply-actor-event.js';
import { failpoint } from './failpoints.js';
import { findSentCopies } from './find-sent-copies.js';
import { pastExpiry, settleRentalClock } from './rental-clock.js';
import type { RuntimeDeps } from './runtime-deps.js';

export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 60_000;

export type SendOutcome = { kind: 'none' } | { kind: 'sent' | 'failed' | 'ended' | 'settled' } | { kind: 'wait'; untilMs: number };

/** Thrown inside the platform queue when the rental ended or expired while the post waited. */
class PostNoLongerDue extends Error {}

export function retryDelayMs(attempts: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

export async function sendNextPost(deps: RuntimeDeps, actorKey: string): Promise<SendOutcome> {
  const { stores, clock } = deps;
  const row = stores.outbox.next(actorKey);
  if (!row) return { kind: 'none' };
  if (row.next_attempt_at > clock.now()) return { kind: 'wait', untilMs: row.next_attempt_at };
  const bot = deps.bots.byId(row.bot_id);
  const log = deps.log.child({ bot: bot?.name, actorKey, outboxId: row.id });
  if (!bot) {
    stores.outbox.markFailed(row.id, 'the bot is no longer configured on this host');
    return { kind: 'failed' };
  }
  const isRental = actorKey.startsWith('rental:');
  // The host's clock, not the platform's sweep, decides when a rental is over (§4.4).
  if (isRental && pastExpiry(deps, actorKey)) {
    await settleRentalClock(deps, actorKey, 'expire', log);
    return loadActor(stores, actorKey).done ? { kind: 'ended' } : { kind: 'settled' };
  }
  const retry = (err: unknown, attempts: number): SendOutcome => {
    const delay = retryDelayMs(attempts);
    stores.outbox.markRetry(row.id, clock.now() + delay, err instanceof Error ? err.message : String(err));
    log.warn({ err, retryInMs: delay, attempts }, 'post failed; will retry');
    return { kind: 'wait', untilMs: clock.now() + delay };
  };

  if (row.status === 'sending') {
    try {
      const copies = await deps.queues.runPlatform(bot, PRIORITY.rental, () => findSentCopies(deps, bot, actorKey, row));
      if (copies.onPlatform > copies.markedSent) {
        stores.outbox.markSent(row.id, isoNow(clock));
        log.info('a post in flight at the last crash had reached the platform; not sending it again');
        return { kind: 'sent' };
      }
    } catch (err) {
      return retry(err, row.attempts);
    }
  }

  stores.outbox.markSending(row.id);
  failpoint('before-post');
  const priority = isRental ? PRIORITY.rental : PRIORITY.conversation;
  try {
    await deps.queues.runPlatform(bot, priority, () => {
      // The post may have waited in the bot's rate limit: look at the rental again right before it goes.
      if (isRental && (loadActor(stores, actorKey).done || pastExpiry(deps, actorKey))) throw new PostNoLongerDue();
      return deps.platformFor(bot).request({ method: row.method as 'POST', path: row.path, body: JSON.parse(row.body) });
    });
    failpoint('after-post-before-mark');
    stores.outbox.markSent(row.id, isoNow(clock));
    log.info({ path: row.path, part: row.part }, 'posted to the platform');
    return { kind: 'sent' };
  } catch (err) {
    if (err instanceof PostNoLongerDue) {
      if (stores.outbox.next(actorKey)?.id === row.id) stores.outbox.markRetry(row.id, clock.now(), 'the rental reached its end while the post waited');
      await settleRentalClock(deps, actorKey, 'expire', log);
      return loadActor(stores, actorKey).done ? { kind: 'ended' } : { kind: 'settled' };
    }
    if (err instanceof PlatformError && err.rentalEnded && isRental) {
      stores.db.transaction(() => {
        stores.outbox.markFailed(row.id, err.message);
        applyActorEvent(deps, actorKey, { type: 'rental.ended', reason: 'the platform refused a post: rental ended' });
      })();
      log.info('the platform says the rental has ended; nothing more will be posted to it');
      return { kind: 'ended' };
    }
    if (err instanceof PlatformError && err.retryable) return retry(err, row.attempts + 1);
    const message = err instanceof Error ? err.message : String(err);
    stores.outbox.markFailed(row.id, message);
    log.error({ err }, 'the platform refused a post; it will not be retried');
    return { kind: 'failed' };
  }
}

export type { OutboxRow };
