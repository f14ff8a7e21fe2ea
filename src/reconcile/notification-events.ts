/** A notification row back into the webhook it was sent as: `type` is not always the event name (§2.1). */
import type { PlatformNotification } from '../platform/platform-client.js';

const EVENT_FOR_TYPE: Record<string, string> = {
  message: 'new_message',
  sale: 'product_purchased',
  follow: 'new_follower',
  like: 'post_liked',
  dislike: 'post_disliked',
  review: 'review_posted',
};

/** The event name for a notification type, or null for owner fan-out rows (`bot_*`), which are not the bot's. */
export function eventForNotificationType(type: string): string | null {
  if (type.startsWith('bot_')) return null;
  if (type.startsWith('service_')) return 'service_request';
  return EVENT_FOR_TYPE[type] ?? type;
}

/** The standard envelope the platform would have POSTed for this row (same data.id, so dedupe holds). */
export function envelopeForNotification(row: PlatformNotification, event: string) {
  return {
    event,
    data: { id: row.id, user_id: row.user_id, type: row.type, title: row.title, body: row.body, link: row.link, data: row.data, created_at: row.created_at },
    timestamp: new Date(Date.parse(row.created_at)).toISOString(),
  };
}
