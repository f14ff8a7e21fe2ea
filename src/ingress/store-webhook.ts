/**
 * Commits a classified webhook to the inbox. The webhook route and the reconciler (missed
 * events recovered from notifications or transcripts) both come through here, so an event
 * is deduplicated the same way whichever path brings it first.
 */
import type { Bot } from '../config/bot-config.js';
import type { Stores } from '../runtime/stores.js';
import type { NewInboxEvent } from '../store/inbox-store.js';
import type { AcceptedWebhook } from './classify-webhook.js';

/** Returns false when the dedupe key was already stored. Throws when the database cannot write. */
export function storeWebhook(stores: Stores, bot: Bot, accepted: AcceptedWebhook, raw: string, receivedAt: string, note?: string): boolean {
  return stores.inbox.insert(inboxRowFor(bot, accepted, raw, receivedAt, note));
}

/** The inbox row for a classified webhook (the webhook route commits it through its commit queue). */
export function inboxRowFor(bot: Bot, accepted: AcceptedWebhook, raw: string, receivedAt: string, note?: string): NewInboxEvent {
  return {
    dedupeKey: accepted.dedupeKey,
    botId: bot.profileId,
    event: accepted.event,
    kind: accepted.kind,
    actorKey: accepted.actorKey,
    eventTime: accepted.eventTime,
    receivedAt,
    body: raw,
    status: needsActor(accepted) ? 'pending' : 'stored',
    ...(note ? { note } : {}),
  };
}

/** Events for the bot that an actor acts on; owner copies, tests and unknown events are only kept. */
export function needsActor(accepted: AcceptedWebhook): accepted is AcceptedWebhook & { actorKey: string } {
  return accepted.kind === 'bot' && accepted.actorKey !== null;
}
