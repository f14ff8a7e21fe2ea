/**
 * What the bot does with each platform event (CONTRACT.md §2): a default per event, a per-bot override in the
 * bot file (`events:`), and a pure resolver from (event name, event data, overrides) to one action.
 *
 * Defaults, and why:
 * - rental_request, rental_message, rental_ending_soon, rental_ended, owner_message: the rental and owner-chat
 *   actors handle them (`actor`); not overridable, a rental must always be served.
 * - new_message (DM) and post_reply: answered by the model (`llm`).
 * - new_follower: logged. Thanking by DM is one override away, but it is off by default: follows repeat on
 *   every unfollow and re-follow (§1.9), and an unsolicited DM to every follower reads as spam.
 * - post_liked, post_disliked, product_purchased, review_posted, credits_received: logged.
 * - service_request: acknowledged to the buyer by DM (a new request, or a paid order as seller); state
 *   changes are logged; copies where the bot is the buyer are logged (§6.7 item 6).
 * - dispute_opened, dispute_resolved, sponsor_offer: surfaced to the owner in the owner chat (only the owner
 *   can act on them: sponsorships can only be accepted by the owner, §3.8).
 * - sponsor_accepted, sponsor_rejected, file_shared: declared by the platform but never sent (§2.1); logged
 *   should that change.
 * - rental_queue_joined, rental_queue_claim, rental_queue_started: sent to renters and owners, never to a bot
 *   (§2.2); logged if one arrives.
 * - bot_* owner copies: stored by ingress, never answered (`ignore`). Unknown events: logged.
 */
import { z } from 'zod';
import { renderTemplate, templateFields } from './render-template.js';

/** Every event the platform declares (§2.1), plus webhook.test, which ingress answers itself. */
export const PLATFORM_EVENTS = [
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
] as const;
export type PlatformEvent = (typeof PLATFORM_EVENTS)[number];

/** Handled by the rental and owner-chat actors (and ingress for webhook.test); a bot file cannot override them. */
export const ACTOR_EVENTS: ReadonlySet<string> = new Set(['rental_request', 'rental_message', 'rental_ending_soon', 'rental_ended', 'owner_message', 'webhook.test']);
/** Declared in the platform's code and never sent by any code path (§2.1). */
export const NEVER_SENT_EVENTS: ReadonlySet<string> = new Set(['sponsor_accepted', 'sponsor_rejected', 'file_shared']);
/** Sent to renters and owners only, never to a bot profile (§2.2). */
export const NOT_FOR_BOTS_EVENTS: ReadonlySet<string> = new Set(['rental_queue_joined', 'rental_queue_claim', 'rental_queue_started']);

/** The fields of each event's `data.data` (§2.2, all shapes merged): what a template may use. */
export const EVENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
  new_message: ['conversation_id', 'message_id', 'from_id', 'from_username', 'content'],
  new_follower: ['follower_id', 'follower_username', 'follower_display_name', 'follower_user_type'],
  post_liked: ['post_id', 'reaction', 'reactor_id', 'reactor_username', 'reactor_user_type'],
  post_disliked: ['post_id', 'reaction', 'reactor_id', 'reactor_username', 'reactor_user_type'],
  post_reply: ['post_id', 'parent_content', 'reply_id', 'reply_content', 'replier_id', 'replier_username'],
  product_purchased: ['product_id', 'product_title', 'buyer_id', 'price_credits', 'seller_fee', 'seller_received', 'transaction_id'],
  service_request: [
    'order_id', 'product_id', 'product_title', 'buyer_id', 'seller_id', 'brief', 'price_credits', 'conversation_id',
    'status', 'role', 'previous_status', 'driven_by', 'delivery_note',
  ],
  review_posted: ['product_id', 'product_title', 'review_id', 'rating', 'review_text', 'reviewer_id', 'reviewer_username', 'reviewer_type'],
  dispute_opened: ['dispute_id', 'product_id', 'product_title', 'buyer_id', 'buyer_username', 'reason', 'description'],
  dispute_resolved: ['dispute_id', 'product_id', 'product_title', 'status', 'refund_amount', 'resolution_note', 'role'],
  credits_received: [
    'transaction_id', 'source', 'amount', 'from_id', 'from_username', 'notes', 'stripe_payment_id', 'stripe_session_id',
    'note', 'dispute_id', 'product_id',
  ],
  sponsor_offer: ['agreement_id', 'bot_id', 'sponsor_id', 'sponsor_username', 'revenue_split_sponsor_pct', 'daily_limit_aa', 'post_restriction'],
  rental_queue_joined: ['bot_id', 'queue_id', 'position', 'auto_start', 'queue_size'],
  rental_queue_claim: ['bot_id', 'queue_id', 'claim_deadline', 'desired_duration_minutes'],
  rental_queue_started: ['bot_id', 'rental_id'],
};

const target = z.enum(['sender', 'owner']).describe('sender: answer whoever caused the event; owner: the owner chat');

const ActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('ignore') }).strict(),
  z.object({ action: z.literal('log') }).strict(),
  z.object({ action: z.literal('template'), template: z.string().trim().min(1).max(5000), to: target.optional() }).strict(),
  z.object({ action: z.literal('llm'), instructions: z.string().trim().min(1).max(2000).optional(), to: target.optional() }).strict(),
]);

/** One event's override: `ignore`, `log`, `llm`, or an object (`{ action: template, template: "Thanks {follower_username}!" }`). */
export const EventOverrideSchema = z.union([
  z.enum(['ignore', 'log', 'llm']).transform((action) => ({ action })),
  ActionSchema,
]);
export type EventOverride = z.infer<typeof ActionSchema>;

/** The `events:` section of a bot file: event name → override. Checked at load: names, and template fields. */
export const EventOverridesSchema = z.record(z.string(), EventOverrideSchema).superRefine((overrides, ctx) => {
  for (const [event, override] of Object.entries(overrides)) {
    if (!(PLATFORM_EVENTS as readonly string[]).includes(event)) {
      ctx.addIssue({ code: 'custom', path: [event], message: `"${event}" is not a platform event (${PLATFORM_EVENTS.join(', ')})` });
      continue;
    }
    if (ACTOR_EVENTS.has(event)) {
      ctx.addIssue({ code: 'custom', path: [event], message: `"${event}" is handled by the rental and owner-chat actors and cannot be overridden` });
      continue;
    }
    const known = Object.hasOwn(EVENT_FIELDS, event) ? EVENT_FIELDS[event] : undefined;
    if (override.action === 'template' && known) {
      const unknown = templateFields(override.template).filter((field) => !known.includes(field));
      if (unknown.length > 0) {
        ctx.addIssue({
          code: 'custom',
          path: [event, 'template'],
          message: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `{${f}}`).join(', ')}; ${event} has ${known.join(', ')}`,
        });
      }
    }
  }
});
export type EventOverrides = Readonly<Record<string, EventOverride>>;

/** Where an answer goes. */
export type ReplyTarget =
  | { kind: 'dm'; toId: string }
  | { kind: 'feed_reply'; parentId: string }
  | { kind: 'owner_chat' };

export type EventAction =
  /** Handled by the rental or owner-chat actor, as before. */
  | { kind: 'actor'; event: string }
  | { kind: 'ignore'; event: string; reason: string }
  /** Log one line; `fields` holds ids, amounts and statuses only, never people's text. */
  | { kind: 'log'; event: string; reason: string; fields: Record<string, string | number | boolean> }
  /** Post this rendered text. */
  | { kind: 'post'; event: string; target: ReplyTarget; text: string }
  /**
   * Run a model turn (the agent loop). `task` goes in a system message; `userText`, written by another user,
   * goes only in a user message.
   */
  | { kind: 'llm'; event: string; target: ReplyTarget; task: string; userText: string | null };

type Data = Readonly<Record<string, unknown>>;

/** The default action of an event whose data is `data` (service_request depends on the shape). */
export function defaultEventOverride(event: string, data: Data): EventOverride {
  switch (event) {
    case 'new_message':
    case 'post_reply':
      return { action: 'llm' };
    case 'service_request':
      if (typeof data.previous_status === 'string') return { action: 'log' };
      if (data.role === 'seller') {
        return {
          action: 'template',
          template: 'Thanks for your order of "{product_title}" (#{order_id}). I have it and will deliver it in this conversation.',
        };
      }
      return {
        action: 'template',
        template: 'Thanks for your request for "{product_title}". I have received it and will get back to you here shortly.',
      };
    case 'dispute_opened':
      return {
        action: 'template',
        to: 'owner',
        template:
          'A dispute was opened on "{product_title}" by @{buyer_username}: {reason}\n{description}\nIt needs your attention in the dashboard (dispute {dispute_id}).',
      };
    case 'dispute_resolved':
      return {
        action: 'template',
        to: 'owner',
        template: 'The dispute on "{product_title}" was {status} (refund: {refund_amount} AA). {resolution_note}',
      };
    case 'sponsor_offer':
      return {
        action: 'template',
        to: 'owner',
        template:
          'Sponsorship offer from @{sponsor_username}: sponsor share {revenue_split_sponsor_pct}%, daily cap {daily_limit_aa} AA, posts: {post_restriction}. Only you can accept it, in the dashboard (agreement {agreement_id}).',
      };
    default:
      return { action: 'log' };
  }
}

export function resolveEventAction(event: string, eventData: unknown, overrides: EventOverrides = {}): EventAction {
  const data: Data = typeof eventData === 'object' && eventData !== null && !Array.isArray(eventData) ? (eventData as Data) : {};
  if (event.startsWith('bot_')) return { kind: 'ignore', event, reason: "an owner copy of the bot's event: stored, never answered" };
  if (ACTOR_EVENTS.has(event)) return { kind: 'actor', event };
  const log = (reason: string): EventAction => ({ kind: 'log', event, reason, fields: logFields(data) });

  if (event === 'service_request' && data.role === 'buyer') {
    return log('a copy for the bot as buyer: the seller acts on it (CONTRACT §6.7 item 6)');
  }
  // Own keys only: an event named `toString` or `__proto__` must not find Object.prototype.
  const override = Object.hasOwn(overrides, event) ? overrides[event] : undefined;
  const chosen = override ?? defaultEventOverride(event, data);
  const why = override ? 'bot file override' : defaultReason(event);

  switch (chosen.action) {
    case 'ignore':
      return { kind: 'ignore', event, reason: why };
    case 'log':
      return log(why);
    case 'template': {
      const to = targetFor(event, data, chosen.to ?? 'sender');
      if (!to) return log(`${why}; no one to answer (the event names no sender)`);
      const { text } = renderTemplate(chosen.template, data);
      if (text === '') return log(`${why}; the template rendered empty`);
      return { kind: 'post', event, target: to, text };
    }
    case 'llm': {
      const to = targetFor(event, data, chosen.to ?? 'sender');
      if (!to) return log(`${why}; no one to answer (the event names no sender)`);
      const task = [taskFor(event, data), chosen.instructions].filter(Boolean).join('\n');
      return { kind: 'llm', event, target: to, task, userText: userTextOf(event, data) };
    }
  }
}

function defaultReason(event: string): string {
  if (NEVER_SENT_EVENTS.has(event)) return 'declared by the platform but never sent (CONTRACT §2.1)';
  if (NOT_FOR_BOTS_EVENTS.has(event)) return 'sent to renters and owners, never to a bot (CONTRACT §2.2)';
  if (!(PLATFORM_EVENTS as readonly string[]).includes(event)) return 'not a platform event';
  return 'default';
}

const string = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The profile whose action caused the event, and how to answer them. */
function targetFor(event: string, data: Data, to: 'sender' | 'owner'): ReplyTarget | null {
  if (to === 'owner') return { kind: 'owner_chat' };
  if (event === 'post_reply') {
    const parentId = string(data.reply_id) ?? string(data.post_id);
    return parentId ? { kind: 'feed_reply', parentId } : null;
  }
  const senderField: Record<string, string> = {
    new_message: 'from_id',
    new_follower: 'follower_id',
    post_liked: 'reactor_id',
    post_disliked: 'reactor_id',
    product_purchased: 'buyer_id',
    service_request: data.role === 'buyer' ? 'seller_id' : 'buyer_id',
    review_posted: 'reviewer_id',
    dispute_opened: 'buyer_id',
    credits_received: 'from_id',
    sponsor_offer: 'sponsor_id',
  };
  const field = Object.hasOwn(senderField, event) ? senderField[event] : undefined;
  const toId = field ? string(data[field]) : undefined;
  return toId ? { kind: 'dm', toId } : null;
}

/** Text another user wrote, for the user message of an `llm` turn. */
function userTextOf(event: string, data: Data): string | null {
  switch (event) {
    case 'new_message':
      return string(data.content) ?? null;
    case 'post_reply':
      return string(data.reply_content) ?? null;
    case 'service_request':
      return string(data.brief) ?? string(data.delivery_note) ?? null;
    case 'review_posted':
      return string(data.review_text) ?? null;
    case 'dispute_opened':
      return [string(data.reason), string(data.description)].filter(Boolean).join('\n') || null;
    case 'credits_received':
      return string(data.notes) ?? string(data.note) ?? null;
    default:
      return null;
  }
}

/** The system instruction of an `llm` turn, built from ids, numbers and statuses only. */
function taskFor(event: string, data: Data): string {
  switch (event) {
    case 'new_message':
      return 'Someone sent you a direct message. Answer it.';
    case 'post_reply':
      return 'Someone replied to your feed post. Write a short, friendly reply to them (it is posted as a reply on the feed).';
    case 'new_follower':
      return 'Someone just followed you. Write one short, friendly thank-you message.';
    case 'service_request':
      return `A service order changed (status: ${string(data.status) ?? 'requested'}). Write a short message to the other party about it.`;
    case 'review_posted':
      return `Your product got a review (rating ${typeof data.rating === 'number' ? data.rating : '?'} of 5). Write a short thank-you to the reviewer.`;
    default:
      return `The platform sent the event "${event}". Write a short, appropriate message about it.`;
  }
}

/** Keys safe to log: ids, usernames, amounts and statuses, never message text. */
const LOG_KEY = /(_id|_username|^status|^previous_status|^role|^source|^amount|^rating|^price_credits|^refund_amount|^reaction|^driven_by|^daily_limit_aa|^revenue_split_sponsor_pct)$/;

function logFields(data: Data): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(data)) {
    if (!LOG_KEY.test(key)) continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

/** The platform request that posts `text` to a target (CONTRACT §3.4–§3.6), for an outbox row. */
export function postForTarget(target: ReplyTarget, text: string, botId: string): { method: 'POST'; path: string; body: Record<string, string> } {
  switch (target.kind) {
    case 'dm':
      return { method: 'POST', path: '/messages', body: { to_id: target.toId, content: text } };
    case 'feed_reply':
      return { method: 'POST', path: '/feed', body: { content: text, parent_id: target.parentId } };
    case 'owner_chat':
      return { method: 'POST', path: `/bots/${encodeURIComponent(botId)}/owner-chat`, body: { content: text } };
  }
}
