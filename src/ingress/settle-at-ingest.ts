/**
 * Events whose bot policy is only to log or ignore them (likes, follows, purchases, owner-set
 * `ignore`s…) need no actor: they are finished in the transaction that stores them, with the
 * same note and log line the events actor would give them. Under load this saves a second
 * transaction and an actor step per event, and they never queue behind the events that do need
 * an actor. Policies that post or ask the model still go to the actor.
 */
import { parseActorKey } from '../actors/actor-keys.js';
import { resolveEventAction, type EventAction } from '../agent/event-policies.js';
import type { Bot } from '../config/bot-config.js';
import type { AcceptedWebhook } from './classify-webhook.js';

export interface SettledAtIngest {
  /** The inbox note, as the events actor writes it. */
  note: string;
  /** For `log`: what to log once the row has committed. */
  logged?: { reason: string; fields: Record<string, unknown> };
}

export function settleAtIngest(bot: Bot, accepted: AcceptedWebhook, body: unknown): SettledAtIngest | null {
  if (accepted.kind !== 'bot' || accepted.actorKey === null) return null;
  const { kind } = parseActorKey(accepted.actorKey);
  if (kind !== 'events' && kind !== 'dm') return null;
  const fields = (body as { data?: { data?: unknown } } | null)?.data?.data ?? {};
  return settledBy(resolveEventAction(accepted.event, fields, bot.events ?? {}));
}

/** How an `ignore` or `log` action finishes an event (at ingest, or in the events actor); null for actions that act. */
export function settledBy(action: EventAction): SettledAtIngest | null {
  if (action.kind === 'ignore') return { note: `policy ignore: ${action.reason}` };
  if (action.kind === 'log') return { note: `policy log: ${action.reason}`, logged: { reason: action.reason, fields: action.fields } };
  return null;
}

