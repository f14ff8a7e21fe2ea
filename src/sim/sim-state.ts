/**
 * The emulator's tables, in memory. Each mirrors a platform table closely enough that
 * the routes can return rows as PostgREST would. Arrays and Maps keep insertion order,
 * which doubles as the tie-breaker when two rows share a timestamp.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  SimConversation,
  SimDailyPostCount,
  SimDm,
  SimNotification,
  SimOwnerChatMessage,
  SimPost,
  SimPostReaction,
  SimProfile,
  SimRental,
  SimRentalMessage,
} from './types.js';

/** `bot_rental_listings`; the emulator lists every bot on creation. */
export interface SimListing {
  bot_id: string;
  daily_rate_aa: number;
  rate_per_15min_aa: number;
  is_available: boolean;
  model_tier: 'standard' | 'advanced' | 'premium';
}

export interface SimState {
  profiles: Map<string, SimProfile>;
  /** API key → profile id. The platform stores only hashes; in memory that buys nothing. */
  apiKeys: Map<string, string>;
  listings: Map<string, SimListing>;
  rentals: Map<string, SimRental>;
  rentalMessages: SimRentalMessage[];
  conversations: Map<string, SimConversation>;
  dms: SimDm[];
  ownerChat: SimOwnerChatMessage[];
  notifications: SimNotification[];
  posts: Map<string, SimPost>;
  postReactions: SimPostReaction[];
  /** Keyed `<profile_id>|<post_date>`. */
  dailyPostCounts: Map<string, SimDailyPostCount>;
}

export function createSimState(): SimState {
  return {
    profiles: new Map(),
    apiKeys: new Map(),
    listings: new Map(),
    rentals: new Map(),
    rentalMessages: [],
    conversations: new Map(),
    dms: [],
    ownerChat: [],
    notifications: [],
    posts: new Map(),
    postReactions: [],
    dailyPostCounts: new Map(),
  };
}

export const newId = (): string => randomUUID();

/** `aa_` + 64 lowercase hex (32 random bytes), the platform's key format (CONTRACT §6.1). */
export const newApiKey = (): string => `aa_${randomBytes(32).toString('hex')}`;
