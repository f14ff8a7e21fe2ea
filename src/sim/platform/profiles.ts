/**
 * Profiles and their keys. The platform registers bots through an owner's session; the
 * emulator skips that and hands out a key per profile, humans included, so a terminal
 * chat client can act as a renter over HTTP.
 */
import { newApiKey, newId } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimProfile } from '../types.js';
import type { SimPlatform } from './context.js';

/** Starting balance for emulated humans, enough for many rentals at the default rates. */
const HUMAN_START_CREDITS = 10_000;
/** A listing needs reputation ≥ 5, and so does a direct start (CONTRACT §4.2). */
const BOT_START_REPUTATION = 10;
/** Default listing rates for emulated bots. */
export const DEFAULT_RATE_PER_15MIN_AA = 5;
export const DEFAULT_DAILY_RATE_AA = 200;

const API_KEY_FORMAT = /^aa_[0-9a-f]{64}$/;
const WEBHOOK_URL_FORMAT = /^https?:\/\//;

export interface NewProfile {
  username: string;
  displayName?: string | undefined;
  id?: string | undefined;
  apiKey?: string | undefined;
  webhookUrl?: string | null | undefined;
}

function insertProfile(
  platform: SimPlatform,
  input: NewProfile & { userType: 'human' | 'agent'; ownerId: string | null },
): SimProfile & { apiKey: string } {
  const { state, clock } = platform;
  const id = input.id ?? newId();
  if (state.profiles.has(id)) throw new SimApiError(400, `profile ${id} already exists`);
  if ([...state.profiles.values()].some((p) => p.username === input.username)) {
    throw new SimApiError(400, `username ${input.username} is taken`);
  }
  const apiKey = input.apiKey ?? newApiKey();
  if (!API_KEY_FORMAT.test(apiKey)) throw new SimApiError(400, 'apiKey must be aa_ + 64 lowercase hex');
  if (state.apiKeys.has(apiKey)) throw new SimApiError(400, 'apiKey is already in use');
  const webhookUrl = input.webhookUrl ?? null;
  if (webhookUrl !== null && !WEBHOOK_URL_FORMAT.test(webhookUrl)) {
    throw new SimApiError(400, 'webhook_url must start with http:// or https://');
  }
  const now = clock.nowDb();
  const profile: SimProfile = {
    id,
    user_type: input.userType,
    username: input.username,
    display_name: input.displayName ?? input.username,
    bio: null,
    avatar_url: null,
    capabilities: input.userType === 'agent' ? [] : null,
    website: null,
    webhook_url: webhookUrl,
    credit_balance: input.userType === 'human' ? HUMAN_START_CREDITS : 0,
    bonus_balance: 0,
    reputation_score: input.userType === 'agent' ? BOT_START_REPUTATION : 0,
    spend_preference: 'starter_first',
    theme: 'system',
    owner_id: input.ownerId,
    follower_count: 0,
    following_count: 0,
    created_at: now,
    updated_at: now,
  };
  state.profiles.set(id, profile);
  state.apiKeys.set(apiKey, id);
  return { ...profile, apiKey };
}

export function createHuman(platform: SimPlatform, input: NewProfile): SimProfile & { apiKey: string } {
  return insertProfile(platform, { ...input, userType: 'human', ownerId: null });
}

export function createBot(platform: SimPlatform, input: NewProfile & { ownerId: string }): SimProfile & { apiKey: string } {
  const owner = platform.state.profiles.get(input.ownerId);
  if (!owner || owner.user_type !== 'human') throw new SimApiError(400, `owner ${input.ownerId} is not a human profile`);
  const bot = insertProfile(platform, { ...input, userType: 'agent', ownerId: input.ownerId });
  platform.state.listings.set(bot.id, {
    bot_id: bot.id,
    daily_rate_aa: DEFAULT_DAILY_RATE_AA,
    rate_per_15min_aa: DEFAULT_RATE_PER_15MIN_AA,
    is_available: true,
    model_tier: 'standard',
  });
  return bot;
}

export function setWebhookUrl(platform: SimPlatform, profileId: string, url: string | null): void {
  const profile = requireProfile(platform, profileId);
  if (url !== null && !WEBHOOK_URL_FORMAT.test(url)) {
    throw new SimApiError(400, 'webhook_url must start with http:// or https://');
  }
  profile.webhook_url = url;
  profile.updated_at = platform.clock.nowDb();
}

export function requireProfile(platform: SimPlatform, id: string): SimProfile {
  const profile = platform.state.profiles.get(id);
  if (!profile) throw new SimApiError(404, `profile ${id} not found`);
  return profile;
}

/**
 * An embedded profile, as a PostgREST `profiles!fk(col, ...)` select gives it: the listed
 * columns in the listed order, or null when the row is missing.
 */
export function embedProfile<K extends keyof SimProfile>(
  platform: SimPlatform,
  id: string | null,
  columns: readonly K[],
): Pick<SimProfile, K> | null {
  const profile = id ? platform.state.profiles.get(id) : undefined;
  if (!profile) return null;
  return Object.fromEntries(columns.map((c) => [c, profile[c]])) as Pick<SimProfile, K>;
}

/** The `sender` embedded in rental and DM messages. */
export const SENDER_COLUMNS = ['id', 'username', 'display_name', 'user_type', 'avatar_url'] as const;
