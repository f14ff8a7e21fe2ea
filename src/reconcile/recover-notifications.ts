/**
 * The recovery channel for missed webhooks (CONTRACT §3.2): every standard event is also an
 * unread notification with the same id. Unread ones go through the same inbox (so a webhook
 * that did arrive dedupes them), then are marked read so the list does not grow forever.
 *
 * A row the host cannot read as its event is left unread (the owner can still see it on the
 * platform, and a fixed host can recover it later) and is skipped: it is warned about once, not
 * at every pass. Passes run on the reconciler's interval, so a row left unread is re-read at that
 * pace, never in a loop.
 */
import type { Bot } from '../config/bot-config.js';
import { WebhookRejectedError } from '../errors.js';
import { classifyWebhook } from '../ingress/classify-webhook.js';
import { needsActor, storeWebhook } from '../ingress/store-webhook.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { RuntimeDeps } from '../runtime/runtime-deps.js';
import { isoNow } from '../time.js';
import { envelopeForNotification, eventForNotificationType } from './notification-events.js';

/** Per host (deps) and bot, the ids of unreadable rows already warned about. */
const warnedUnreadable = new WeakMap<RuntimeDeps, Map<string, Set<string>>>();

function warnedFor(deps: RuntimeDeps, bot: Bot): Set<string> {
  let byBot = warnedUnreadable.get(deps);
  if (!byBot) warnedUnreadable.set(deps, (byBot = new Map()));
  let warned = byBot.get(bot.profileId);
  if (!warned) byBot.set(bot.profileId, (warned = new Set()));
  return warned;
}

export async function recoverFromNotifications(deps: RuntimeDeps, bot: Bot, wake: (actorKey: string) => void): Promise<number> {
  const client = deps.platformFor(bot);
  const { notifications } = await deps.queues.runPlatform(bot, PRIORITY.conversation, () => client.getUnreadNotifications());
  const log = deps.log.child({ bot: bot.name });
  const warned = warnedFor(deps, bot);
  const toMarkRead: string[] = [];
  const unreadable = new Set<string>();
  let recovered = 0;
  for (const row of notifications) {
    const event = eventForNotificationType(row.type);
    // Owner fan-out rows and rows for someone else are not the bot's events: read, nothing to recover.
    if (!event || row.user_id !== bot.profileId) {
      toMarkRead.push(row.id);
      continue;
    }
    const envelope = envelopeForNotification(row, event);
    let accepted;
    try {
      accepted = classifyWebhook(envelope, bot);
    } catch (err) {
      if (!(err instanceof WebhookRejectedError)) throw err;
      unreadable.add(row.id);
      if (!warned.has(row.id)) {
        log.warn(
          { notificationId: row.id, type: row.type, reason: err.message },
          'an unread notification has an unexpected shape; leaving it unread and skipping it from now on',
        );
      }
      continue;
    }
    if (storeWebhook(deps.stores, bot, accepted, JSON.stringify(envelope), isoNow(deps.clock), 'recovered from notifications')) {
      recovered++;
      log.info({ event, notificationId: row.id }, 'recovered a missed webhook from the notifications inbox');
      if (needsActor(accepted)) wake(accepted.actorKey);
    }
    toMarkRead.push(row.id);
  }
  // Remember only the unreadable rows still unread, so the set stays as small as the page.
  for (const id of warned) if (!unreadable.has(id)) warned.delete(id);
  for (const id of unreadable) warned.add(id);
  if (toMarkRead.length > 0) await deps.queues.runPlatform(bot, PRIORITY.conversation, () => client.markNotificationsRead(toMarkRead));
  return recovered;
}
