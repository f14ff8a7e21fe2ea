/**
 * Commits a classified webhook to the inbox. The webhook route and the reconciler (missed
 * events recovered from notifications or transcripts) both come through here, so an event
 * is deduplicated the same way whichever path brings it first.
 */
import type { Bot } from '../config/bot-config.js';
import type { Stores } from '../runtime/stores.js';
import type { NewInboxEvent } from '../store/inbox-store.js';
import type { AcceptedWebhook } from './classify-webhook.js';
import { settleAtIngest, type SettledAtIngest } from './settle-at-ingest.js';

/** Returns false when the dedupe key was already stored. Throws when the database cannot write. */
export function storeWebhook(stores: Stores, bot: Bot, accepted: AcceptedWebhook, raw: string, receivedAt: string, note?: string): boolean {
  const settled = settleAtIngest(bot, accepted, JSON.parse(raw));
  return stores.inbox.insert(inboxRowFor(bot, accepted, raw, receivedAt, note, settled));
}

/**
 * The inbox row for a classified webhook (the webhook route commits it through its commit
 * queue). An event its policy settles at ingest (`settleAtIngest`) is stored as done.
 */
export function inboxRowFor(bot: Bot, accepted: AcceptedWebhook, raw: string, receivedAt: string, note?: string, settled?: SettledAtIngest | null): NewInboxEvent {
  if (settled) {
    return { ...baseRow(bot, accepted, raw, receivedAt), status: 'done', note: note ? `${settled.note} (${note})` : settled.note, processedAt: receivedAt };
  }
  return {
    ...baseRow(bot, accepted, raw, receivedAt),
    status: needsActor(accepted) ? 'pending' : 'stored',
    ...(note ? { note } : {}),
  };
}

function baseRow(bot: Bot, accepted: AcceptedWebhook, raw: string, receivedAt: string) {
  return {
    dedupeKey: accepted.dedupeKey,
    botId: bot.profileId,
    event: accepted.event,
    kind: accepted.kind,
    actorKey: accepted.actorKey,
    eventTime: accepted.eventTime,
    receivedAt,
    body: raw,
  };
}

/** Events for the bot that an actor acts on; owner copies, tests and unknown events are only kept. */
export function needsActor(accepted: AcceptedWebhook): accepted is AcceptedWebhook & { actorKey: string } {
  return accepted.kind === 'bot' && accepted.actorKey !== null;
}
