/**
 * The recovery channel for missed webhooks (CONTRACT §3.2): every standard event is also an
 * unread notification with the same id. Unread ones go through the same inbox (so a webhook
 * that did arrive dedupes them), then are marked read so the list does not grow forever.
 */
import type { Bot } from '../config/bot-config.js';
import { WebhookRejectedError } from '../errors.js';
import { classifyWebhook } from '../ingress/classify-webhook.js';
import { needsActor, storeWebhook } from '../ingress/store-webhook.js';
import { PRIORITY } from '../queue/bot-queues.js';
import type { RuntimeDeps } from '../runtime/runtime-deps.js';
import { isoNow } from '../time.js';
import { envelopeForNotification, eventForNotificationType } from './notification-events.js';

export async function recoverFromNotifications(deps: RuntimeDeps, bot: Bot, wake: (actorKey: string) => void): Promise<number> {
  const client = deps.platformFor(bot);
  const { notifications } = await deps.queues.runPlatform(bot, PRIORITY.conversation, () => client.getUnreadNotifications());
  const log = deps.log.child({ bot: bot.name });
  const seen: string[] = [];
  let recovered = 0;
  for (const row of notifications) {
    seen.push(row.id);
    const event = eventForNotificationType(row.type);
    if (!event || row.user_id !== bot.profileId) continue;
    const envelope = envelopeForNotification(row, event);
    let accepted;
    try {
      accepted = classifyWebhook(envelope, bot);
    } catch (err) {
      if (!(err instanceof WebhookRejectedError)) throw err;
      log.warn({ notificationId: row.id, type: row.type, reason: err.message }, 'an unread notification has an unexpected shape; leaving it');
      continue;
    }
    if (storeWebhook(deps.stores, bot, accepted, JSON.stringify(envelope), isoNow(deps.clock), 'recovered from notifications')) {
      recovered++;
      log.info({ event, notificationId: row.id }, 'recovered a missed webhook from the notifications inbox');
      if (needsActor(accepted)) wake(accepted.actorKey);
    }
  }
  if (seen.length > 0) await deps.queues.runPlatform(bot, PRIORITY.conversation, () => client.markNotificationsRead(seen));
  return recovered;
}
