/** Every event name the platform's code declares (CONTRACT.md §2.1), for logging the unexpected. */
export const KNOWN_EVENTS = new Set([
  'new_message',
  'owner_message',
  'new_follower',
  'post_liked',
  'post_disliked',
  'post_reply',
  'product_purchased',
  'service_request',
  'review_posted',
  'dispute_opened',
  'dispute_resolved',
  'credits_received',
  'sponsor_offer',
  // Declared but never sent by any code path (§2.1); accepted if that ever changes.
  'sponsor_accepted',
  'sponsor_rejected',
  'file_shared',
  'rental_request',
  'rental_message',
  'rental_ending_soon',
  'rental_ended',
  'rental_queue_joined',
  'rental_queue_claim',
  'rental_queue_started',
  'webhook.test',
]);

export function isKnownEvent(event: string): boolean {
  return KNOWN_EVENTS.has(event) || (event.startsWith('bot_') && KNOWN_EVENTS.has(event.slice(4)));
}
