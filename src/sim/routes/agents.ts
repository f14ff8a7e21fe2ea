/**
 * `/api/agents/*`: identity, profile updates and the two webhook-test routes
 * (CONTRACT §1.8, §3.1). Validation follows `agents/me/route.ts` and `agents/[id]/route.ts`.
 */
import { buildBotWebhookTest, buildSelfWebhookTest } from '../build-payloads.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimProfile } from '../types.js';
import { ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

const HTTP_URL = /^https?:\/\//;

export function registerAgentRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform, deliverer } = deps;
  const { state, clock } = platform;

  router.route('GET', '/api/agents/me', ({ actor }) => {
    // Balances sit inside `profile`, next to the columns (agents/me/route.ts).
    const cashable = Math.max(0, actor.credit_balance - actor.bonus_balance);
    return ok({
      profile: { ...actor, cashable_balance: cashable, credit_balance_usd: (actor.credit_balance * 0.1).toFixed(2) },
    });
  });

  router.route('PATCH', '/api/agents/me', ({ actor, rawBody }) => {
    const body = parseJsonBody(rawBody);
    const updates: Partial<SimProfile> = {};
    if (body.display_name !== undefined) {
      if (typeof body.display_name !== 'string' || !body.display_name.trim()) {
        throw new SimApiError(400, 'display_name must be a non-empty string');
      }
      if (body.display_name.length > 80) throw new SimApiError(400, 'display_name too long (max 80 chars)');
      updates.display_name = body.display_name.trim();
    }
    if (body.bio !== undefined) {
      if (body.bio !== null && typeof body.bio !== 'string') throw new SimApiError(400, 'bio must be a string or null');
      if (typeof body.bio === 'string' && body.bio.length > 500) throw new SimApiError(400, 'bio too long (max 500 chars)');
      updates.bio = body.bio;
    }
    if (body.avatar_url !== undefined) {
      updates.avatar_url = httpUrlOrNull(body.avatar_url, 'avatar_url');
    }
    if (body.capabilities !== undefined) {
      if (body.capabilities !== null && !Array.isArray(body.capabilities)) {
        throw new SimApiError(400, 'capabilities must be an array of strings or null');
      }
      updates.capabilities = body.capabilities as string[] | null;
    }
    if (body.website !== undefined) updates.website = httpUrlOrNull(body.website, 'website');
    if (body.webhook_url !== undefined) updates.webhook_url = httpUrlOrNull(body.webhook_url, 'webhook_url');
    if (body.spend_preference !== undefined) {
      if (body.spend_preference !== 'starter_first' && body.spend_preference !== 'redeemable_first') {
        throw new SimApiError(400, 'spend_preference must be starter_first or redeemable_first');
      }
      updates.spend_preference = body.spend_preference;
    }
    if (body.theme !== undefined) {
      if (body.theme !== 'light' && body.theme !== 'dark' && body.theme !== 'system') {
        throw new SimApiError(400, 'theme must be light, dark, or system');
      }
      updates.theme = body.theme;
    }
    if (Object.keys(updates).length === 0) throw new SimApiError(400, 'No valid fields to update');
    Object.assign(actor, updates, { updated_at: clock.nowDb() });
    return ok({ profile: { ...actor } });
  });

  router.route('GET', '/api/agents/:id', ({ actor, params }) => {
    const bot = requireAgent(params.id ?? '', 'Agent not found');
    const privileged = actor.id === bot.id || bot.owner_id === actor.id;
    return ok({
      agent: {
        id: bot.id,
        username: bot.username,
        display_name: bot.display_name,
        bio: bot.bio,
        capabilities: bot.capabilities,
        website: bot.website,
        // Hidden from everyone but the bot and its owner (undefined drops the key).
        webhook_url: privileged ? bot.webhook_url : undefined,
        user_type: bot.user_type,
        owner_id: bot.owner_id,
        created_at: bot.created_at,
      },
    });
  });

  router.route('PATCH', '/api/agents/:id', ({ actor, params, rawBody }) => {
    const bot = requireAgent(params.id ?? '', 'Agent not found');
    if (actor.id !== bot.id && bot.owner_id !== actor.id) {
      throw new SimApiError(403, 'Only the bot or its owner can update this profile');
    }
    const body = parseJsonBody(rawBody);
    const updates: Partial<SimProfile> = {};
    if (body.webhook_url !== undefined) updates.webhook_url = httpUrlOrNull(body.webhook_url, 'webhook_url');
    // This route checks none of the other fields (CONTRACT §3.1).
    if (body.description !== undefined) updates.bio = body.description as string | null;
    if (body.capabilities !== undefined) updates.capabilities = body.capabilities as string[] | null;
    if (body.website !== undefined) updates.website = body.website as string | null;
    if (body.display_name !== undefined) updates.display_name = body.display_name as string;
    if (Object.keys(updates).length === 0) throw new SimApiError(400, 'No valid fields to update');
    Object.assign(bot, updates, { updated_at: clock.nowDb() });
    return ok({
      agent: {
        id: bot.id,
        username: bot.username,
        display_name: bot.display_name,
        bio: bot.bio,
        capabilities: bot.capabilities,
        website: bot.website,
        webhook_url: bot.webhook_url,
      },
    });
  });

  router.route('POST', '/api/agents/me/webhook-test', async ({ actor, rawBody }) => {
    const url = testTarget(rawBody, actor.webhook_url, 'No webhook_url configured. Set one on your profile or pass {"url":"..."}.');
    const payload = buildSelfWebhookTest(actor, clock.nowIso()) as { event: string };
    const result = await deliverer.sendOnce(url, payload);
    return ok({ delivered_to: url, payload, result }, result.ok ? 200 : 502);
  });

  router.route('POST', '/api/agents/:id/webhook-test', async ({ actor, params, rawBody }) => {
    const bot = requireAgent(params.id ?? '', 'Bot not found');
    if (actor.id !== bot.id && bot.owner_id !== actor.id) {
      throw new SimApiError(403, 'Only the bot or its owner can fire test events');
    }
    const url = testTarget(rawBody, bot.webhook_url, 'No webhook_url configured for this bot. Set one or pass {"url":"..."}.');
    const payload = buildBotWebhookTest(bot, clock.nowIso()) as { event: string };
    const result = await deliverer.sendOnce(url, payload);
    return ok({ delivered_to: url, payload, result }, result.ok ? 200 : 502);
  });

  function requireAgent(id: string, notFound: string): SimProfile {
    const profile = state.profiles.get(id);
    if (!profile) throw new SimApiError(404, notFound);
    if (profile.user_type !== 'agent') throw new SimApiError(400, 'Target is not an agent');
    return profile;
  }
}

function httpUrlOrNull(value: unknown, field: string): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !HTTP_URL.test(value)) {
    throw new SimApiError(400, `${field} must start with http:// or https://`);
  }
  return value;
}

/** `{ url? }` overrides the saved URL without saving it; an empty or bad body is fine. */
function testTarget(rawBody: string, saved: string | null, missing: string): string {
  let override: unknown;
  try {
    override = (JSON.parse(rawBody) as { url?: unknown } | null)?.url;
  } catch {
    override = undefined;
  }
  const url = ((typeof override === 'string' ? override.trim() : '') || saved || '').trim();
  if (!url) throw new SimApiError(400, missing);
  if (!/^https?:\/\//i.test(url)) throw new SimApiError(400, 'webhook_url must start with http:// or https://');
  return url;
}
