/**
 * Sends an actor's next outbox row to the platform. Success marks it sent; a 400 "ended" ends
 * the rental (which cancels everything still queued for it); no answer, 5xx or 429 retries with
 * capped exponential backoff; any other refusal is recorded as failed and the next row goes.
 */
import { PlatformError } from '../errors.js';
import { PRIORITY } from '../queue/bot-queues.js';
import { isoNow } from '../time.js';
import { applyActorEvent } from './apply-actor-event.js';
import type { RuntimeDeps } from './runtime-deps.js';

export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 60_000;

export type SendOutcome = { kind: 'none' } | { kind: 'sent' | 'failed' | 'ended' } | { kind: 'wait'; untilMs: number };

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
  stores.outbox.markSending(row.id);
  const priority = actorKey.startsWith('rental:') ? PRIORITY.rental : PRIORITY.conversation;
  try {
    await deps.queues.runPlatform(bot, priority, () =>
      deps.platformFor(bot).request({ method: row.method as 'POST', path: row.path, body: JSON.parse(row.body) }),
    );
    stores.outbox.markSent(row.id, isoNow(clock));
    log.info({ path: row.path, part: row.part }, 'posted to the platform');
    return { kind: 'sent' };
  } catch (err) {
    if (err instanceof PlatformError && err.rentalEnded && actorKey.startsWith('rental:')) {
      stores.db.transaction(() => {
        stores.outbox.markFailed(row.id, err.message);
        applyActorEvent(stores, clock, actorKey, { type: 'rental.ended', reason: 'the platform refused a post: rental ended' });
      })();
      log.info('the platform says the rental has ended; nothing more will be posted to it');
      return { kind: 'ended' };
    }
    if (err instanceof PlatformError && err.retryable) {
      const delay = retryDelayMs(row.attempts + 1);
      stores.outbox.markRetry(row.id, clock.now() + delay, err.message);
      log.warn({ err, retryInMs: delay, attempts: row.attempts + 1 }, 'post failed; will retry');
      return { kind: 'wait', untilMs: clock.now() + delay };
    }
    const message = err instanceof Error ? err.message : String(err);
    stores.outbox.markFailed(row.id, message);
    log.error({ err }, 'the platform refused a post; it will not be retried');
    return { kind: 'failed' };
  }
}

