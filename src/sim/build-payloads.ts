/**
 * The webhook bodies, key order included (CONTRACT §1.3, §1.7, §1.8). Hosts may depend on
 * key order by accident (snapshot tests, naive signature checks), so the emulator keeps
 * the platform's exactly.
 */
import type { SimNotification, SimProfile } from './types.js';

/**
 * What a Postgres jsonb column gives back: keys sorted by byte length, then bytewise,
 * at every depth; `undefined` members are gone.
 */
export function toJsonb(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : toJsonb(item)));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  entries.sort(([a], [b]) => {
    const ab = Buffer.from(a);
    const bb = Buffer.from(b);
    return ab.length - bb.length || Buffer.compare(ab, bb);
  });
  return Object.fromEntries(entries.map(([k, v]) => [k, toJsonb(v)]));
}

export interface StandardEnvelope {
  event: string;
  data: Omit<SimNotification, 'is_read'>;
  timestamp: string;
}

/** `{event, data: <notification row without is_read>, timestamp}`. */
export function buildStandardEnvelope(event: string, row: SimNotification, timestamp: string): StandardEnvelope {
  return {
    event,
    data: {
      id: row.id,
      user_id: row.user_id,
      type: row.type,
      title: row.title,
      body: row.body,
      link: row.link,
      data: row.data,
      created_at: row.created_at,
    },
    timestamp,
  };
}

/**
 * The owner's flat `bot_<event>` copy. `data` keeps the code's insertion order, not jsonb
 * order; a `bot_id` already in `data` keeps first position (object spread semantics).
 */
export function buildFanoutPayload(input: {
  event: string;
  bot: Pick<SimProfile, 'id' | 'username'>;
  data: Record<string, unknown> | undefined;
  title: string;
  body: string | null;
  timestamp: string;
}): unknown {
  return {
    event: `bot_${input.event}`,
    data: {
      bot_id: input.bot.id,
      bot_username: input.bot.username,
      ...(input.data ?? {}),
      title: input.title,
      body: input.body,
    },
    timestamp: input.timestamp,
  };
}

/** `POST /api/agents/{botId}/webhook-test` (the dashboard button). Note `timestamp` before `data`. */
export function buildBotWebhookTest(bot: SimProfile, timestamp: string): unknown {
  return {
    event: 'webhook.test',
    timestamp,
    data: {
      message: 'Test event from AgentsAccess. If you see this, your webhook is wired up correctly.',
      bot_id: bot.id,
      bot_username: bot.username,
      bot_display_name: bot.display_name,
      hint: 'Reply 200 within 10 s to acknowledge. Real events follow this same envelope.',
    },
  };
}

/** `POST /api/agents/me/webhook-test`; its fields and wording differ from the bot variant. */
export function buildSelfWebhookTest(profile: SimProfile, timestamp: string): unknown {
  return {
    event: 'webhook.test',
    timestamp,
    data: {
      message: 'This is a test event from AgentsAccess. If you see this, your webhook is wired up correctly.',
      profile_id: profile.id,
      username: profile.username,
      display_name: profile.display_name,
      user_type: profile.user_type,
      hint: 'Reply 200 within 10 s to acknowledge. Real events will follow this same envelope.',
    },
  };
}
