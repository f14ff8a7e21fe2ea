/**
 * Decides what a parsed webhook body is, whether this bot's URL may accept it, how it is
 * deduplicated and which actor it goes to. Throws WebhookRejectedError for 422 and 403.
 */
import type { z } from 'zod';
import { dmActorKey, eventsActorKey, ownerChatActorKey, rentalActorKey } from '../actors/actor-keys.js';
import type { Bot } from '../config/bot-config.js';
import { WebhookRejectedError } from '../errors.js';
import { toEpochMicros } from '../time.js';
import {
  EventDataSchemas,
  isActedOnEvent,
  OwnerCopySchema,
  StandardEnvelopeSchema,
  WebhookTestBotSchema,
  WebhookTestMeSchema,
} from './webhook-shapes.js';

export type WebhookKind = 'bot' | 'owner_copy' | 'test';

export interface AcceptedWebhook {
  kind: WebhookKind;
  event: string;
  /** data.id for standard events; (event, bot_id, timestamp) for owner copies (§1.6). */
  dedupeKey: string;
  /** Epoch microseconds of data.created_at (or timestamp for flat shapes). */
  eventTime: number;
  /** The actor that acts on it, or null when the host only stores it. */
  actorKey: string | null;
}

export function classifyWebhook(body: unknown, bot: Bot): AcceptedWebhook {
  const event = typeof body === 'object' && body !== null ? (body as { event?: unknown }).event : undefined;
  if (event === 'webhook.test') return classifyTest(body, bot);
  if (typeof event === 'string' && event.startsWith('bot_')) return classifyOwnerCopy(body, bot);
  return classifyStandard(body, bot);
}

function classifyStandard(body: unknown, bot: Bot): AcceptedWebhook {
  const envelope = parseOr422(StandardEnvelopeSchema, body, 'the standard envelope {event, data:{id, user_id, type, title, data, created_at}, timestamp}');
  const { event } = envelope;
  const row = envelope.data;
  const base = { event, dedupeKey: `n:${row.id}`, eventTime: toEpochMicros(row.created_at) };
  if (row.user_id === bot.ownerId) return { ...base, kind: 'owner_copy', actorKey: null };
  if (row.user_id !== bot.profileId) throw wrongRecipient(`data.user_id ${row.user_id}`);
  // Every other event for the bot (follows, sales, post replies, disputes…) goes to its events
  // actor, which applies the bot's per-event policy (src/agent/event-policies.ts).
  if (!isActedOnEvent(event)) return { ...base, kind: 'bot', actorKey: eventsActorKey(bot.profileId) };

  const fields = parseOr422(EventDataSchemas[event], row.data ?? {}, `the fields of ${event} at data.data`, ['data', 'data']);
  // Only the owner can write in the owner chat; a body naming someone else was not sent by the platform.
  if (event === 'owner_message' && bot.ownerId && fields.owner_id !== bot.ownerId) {
    throw new WebhookRejectedError(403, 'AA_WEBHOOK_RECIPIENT', `owner_message from ${String(fields.owner_id)}, who is not this bot's owner`);
  }
  return { ...base, kind: 'bot', actorKey: actorKeyFor(event, fields, bot) };
}

function actorKeyFor(event: keyof typeof EventDataSchemas, fields: Record<string, unknown>, bot: Bot): string | null {
  switch (event) {
    case 'new_message':
      return dmActorKey(bot.profileId, fields.conversation_id as string);
    case 'owner_message':
      return ownerChatActorKey(bot.profileId);
    default:
      // rental_request may carry rental_id null (CONTRACT §2.2): nothing to act on then.
      return typeof fields.rental_id === 'string' ? rentalActorKey(bot.profileId, fields.rental_id) : null;
  }
}

function classifyOwnerCopy(body: unknown, bot: Bot): AcceptedWebhook {
  const copy = parseOr422(OwnerCopySchema, body, 'the owner copy {event: "bot_<event>", data:{bot_id, ...}, timestamp}');
  if (copy.data.bot_id !== bot.profileId) throw wrongRecipient(`data.bot_id ${copy.data.bot_id}`);
  return {
    kind: 'owner_copy',
    event: copy.event,
    dedupeKey: `f:${copy.event}:${copy.data.bot_id}:${copy.timestamp}`,
    eventTime: toEpochMicros(copy.timestamp),
    actorKey: null,
  };
}

function classifyTest(body: unknown, bot: Bot): AcceptedWebhook {
  const asBot = WebhookTestBotSchema.safeParse(body);
  const asMe = asBot.success ? undefined : WebhookTestMeSchema.safeParse(body);
  if (!asBot.success && !asMe?.success) {
    throw new WebhookRejectedError(422, 'AA_WEBHOOK_SHAPE', 'webhook.test matches neither test shape', {
      expected: 'webhook.test from /agents/{id}/webhook-test (bot_id) or /agents/me/webhook-test (profile_id)',
      issues: [...asBot.error.issues, ...(asMe?.error?.issues ?? [])].map(formatIssue),
    });
  }
  const test = asBot.success ? asBot.data : asMe!.data!;
  const target = 'bot_id' in test.data ? test.data.bot_id : test.data.profile_id;
  if (target !== bot.profileId && target !== bot.ownerId) throw wrongRecipient(`test target ${target}`);
  return {
    kind: 'test',
    event: 'webhook.test',
    dedupeKey: `t:${target}:${test.timestamp}`,
    eventTime: toEpochMicros(test.timestamp),
    actorKey: null,
  };
}

function parseOr422<S extends z.ZodType>(schema: S, value: unknown, expected: string, pathPrefix: string[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new WebhookRejectedError(422, 'AA_WEBHOOK_SHAPE', `body does not match ${expected}`, {
    expected,
    issues: result.error.issues.map((issue) => formatIssue({ ...issue, path: [...pathPrefix, ...issue.path] })),
  });
}

function formatIssue(issue: { path: PropertyKey[]; message: string }): { path: string; message: string } {
  return { path: issue.path.map(String).join('.'), message: issue.message };
}

function wrongRecipient(what: string): WebhookRejectedError {
  return new WebhookRejectedError(
    403,
    'AA_WEBHOOK_RECIPIENT',
    `${what} is neither this bot nor its owner: events for another profile are refused at this URL`,
  );
}
