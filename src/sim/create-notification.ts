/**
 * `createNotification()` from the platform's `src/lib/notify.ts` (CONTRACT §1.2, §1.7):
 * insert the inbox row, run the owner fan-out when the recipient is an owned bot, and
 * deliver the standard envelope to the recipient's webhook_url. The URLs are read at
 * call time, so a changed URL takes effect on the next event.
 */
import { buildFanoutPayload, buildStandardEnvelope, toJsonb } from './build-payloads.js';
import type { SimClock } from './clock.js';
import type { Deliverer } from './deliver-webhook.js';
import { newId, type SimState } from './sim-state.js';
import type { SimNotification } from './types.js';

export interface NotificationInput {
  userId: string;
  /** The notification type; not always the event name (CONTRACT §2.1). */
  type: string;
  title: string;
  body?: string | null;
  link?: string | null;
  /** Written in the code's insertion order; the row stores it in jsonb order. */
  data?: Record<string, unknown>;
  /** Without an event, the row is stored and no webhook is sent. */
  event?: string;
  /** Only owner_message sets this. */
  skipOwnerFanout?: boolean;
}

export type Notify = (input: NotificationInput) => SimNotification | undefined;

export function createNotifier(deps: { state: SimState; clock: SimClock; deliverer: Deliverer }): Notify {
  const { state, clock, deliverer } = deps;

  const insert = (row: Omit<SimNotification, 'id' | 'is_read' | 'created_at'>): SimNotification => {
    const full: SimNotification = { id: newId(), ...row, is_read: false, created_at: clock.nowDb() };
    // Rebuild in column order so the row reads like the table's `select('*')`.
    const ordered: SimNotification = {
      id: full.id,
      user_id: full.user_id,
      type: full.type,
      title: full.title,
      body: full.body,
      link: full.link,
      data: full.data,
      is_read: full.is_read,
      created_at: full.created_at,
    };
    state.notifications.push(ordered);
    return ordered;
  };

  const fanout = (input: NotificationInput): void => {
    const bot = state.profiles.get(input.userId);
    if (!bot || bot.user_type !== 'agent' || !bot.owner_id) return;
    const title = `[@${bot.username}] ${input.title}`;
    insert({
      user_id: bot.owner_id,
      type: `bot_${input.type}`,
      title,
      body: input.body ?? null,
      link: input.link ?? null,
      data: toJsonb({
        ...(input.data ?? {}),
        bot_id: bot.id,
        bot_username: bot.username,
        bot_display_name: bot.display_name,
        origin: 'bot_fanout',
      }) as Record<string, unknown>,
    });
    const ownerUrl = state.profiles.get(bot.owner_id)?.webhook_url;
    if (!ownerUrl || !input.event) return;
    deliverer.send(
      ownerUrl,
      buildFanoutPayload({
        event: input.event,
        bot,
        data: input.data,
        title,
        body: input.body ?? null,
        timestamp: clock.nowIso(),
      }) as { event: string },
    );
  };

  return (input) => {
    // The insert fails on the foreign key when the recipient does not exist, and then
    // nothing else happens.
    const recipient = state.profiles.get(input.userId);
    if (!recipient) return undefined;
    const row = insert({
      user_id: input.userId,
      type: input.type,
      title: input.title,
      body: input.body ?? null,
      link: input.link ?? null,
      data: input.data ? (toJsonb(input.data) as Record<string, unknown>) : null,
    });
    if (input.event && recipient.webhook_url) {
      deliverer.send(recipient.webhook_url, buildStandardEnvelope(input.event, row, clock.nowIso()));
    }
    if (!input.skipOwnerFanout) fanout(input);
    return row;
  };
}
