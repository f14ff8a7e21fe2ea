/**
 * The shapes the platform POSTs (CONTRACT.md §1.3, §1.7, §1.8), as zod schemas.
 * A body that matches none of them is refused with 422 and kept as a dead letter.
 */
import { z } from 'zod';

const nullableText = z.string().nullable().optional();
/** ts-db (`2026-05-04T14:01:20.114508+00:00`) or ts-js; anything Date can read. */
const timestamp = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be a timestamp');

/** The standard envelope: the notification row at `data`, event fields at `data.data`. */
export const StandardEnvelopeSchema = z.object({
  event: z.string().min(1).refine((name) => name !== 'webhook.test', 'webhook.test has a flat shape'),
  data: z.object({
    id: z.uuid(),
    user_id: z.uuid(),
    type: z.string(),
    title: z.string(),
    body: nullableText,
    link: nullableText,
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    created_at: timestamp,
  }),
  timestamp,
});
export type StandardEnvelope = z.infer<typeof StandardEnvelopeSchema>;

/** The owner fan-out copy `bot_<event>`: flat data, no notification id (§1.7). */
export const OwnerCopySchema = z.object({
  event: z.string().regex(/^bot_[a-z_]+$/, 'must be bot_<event>'),
  data: z.looseObject({
    bot_id: z.uuid(),
    bot_username: nullableText,
    title: z.string().optional(),
    body: nullableText,
  }),
  timestamp,
});
export type OwnerCopy = z.infer<typeof OwnerCopySchema>;

/** `POST /api/agents/{botId}/webhook-test`: the dashboard's "Send test event" button. */
export const WebhookTestBotSchema = z.object({
  event: z.literal('webhook.test'),
  timestamp,
  data: z.looseObject({
    message: z.string(),
    bot_id: z.uuid(),
    bot_username: nullableText,
    bot_display_name: nullableText,
  }),
});

/** `POST /api/agents/me/webhook-test`. */
export const WebhookTestMeSchema = z.object({
  event: z.literal('webhook.test'),
  timestamp,
  data: z.looseObject({
    message: z.string(),
    profile_id: z.uuid(),
    username: nullableText,
    display_name: nullableText,
    user_type: nullableText,
  }),
});

/** Event fields (`data.data`) of the events the host acts on; the others are stored as they come. */
export const EventDataSchemas = {
  rental_request: z.looseObject({
    rental_id: z.uuid().nullable(),
    bot_id: z.uuid(),
    renter_id: z.uuid(),
    renter_username: nullableText,
    pre_loaded_instructions: nullableText,
    desired_duration_minutes: z.number().nullable().optional(),
    source: nullableText,
  }),
  rental_message: z.looseObject({
    rental_id: z.uuid(),
    message_id: z.uuid(),
    sender_id: z.uuid(),
    sender_username: nullableText,
    content: z.string().min(1),
  }),
  rental_ending_soon: z.looseObject({
    rental_id: z.uuid(),
    renter_id: z.uuid().optional(),
    owner_id: z.uuid().optional(),
    expires_at: timestamp.optional(),
  }),
  rental_ended: z.looseObject({
    rental_id: z.uuid(),
    ended_by: z.uuid().nullable().optional(),
    renter_id: z.uuid().optional(),
    owner_id: z.uuid().optional(),
  }),
  new_message: z.looseObject({
    conversation_id: z.uuid(),
    message_id: z.uuid(),
    from_id: z.uuid(),
    from_username: nullableText,
    content: z.string().min(1),
  }),
  owner_message: z.looseObject({
    bot_id: z.uuid(),
    message_id: z.uuid(),
    owner_id: z.uuid(),
    owner_username: nullableText,
    content: z.string().min(1),
  }),
} as const;

export type ActedOnEvent = keyof typeof EventDataSchemas;
export type EventData<E extends ActedOnEvent> = z.infer<(typeof EventDataSchemas)[E]>;

export function isActedOnEvent(event: string): event is ActedOnEvent {
  return Object.hasOwn(EventDataSchemas, event);
}
