/**
 * Public types of the emulator. Rows use the platform's snake_case column names, so a
 * row read through `sim.getRental()` looks like the one `GET /api/rentals/{id}` returns.
 * Timestamps in rows are ts-db strings (`2026-05-04T14:01:20.114508+00:00`).
 */
import type { SimFaults } from './faults.js';
import type { SimSnapshot } from './sim-snapshot.js';

export type { SimFaults } from './faults.js';
export type { SimSnapshot } from './sim-snapshot.js';

export interface SimOptions {
  /** @default 0 (a random free port) */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Multiplies the platform's delays (webhook timeout 10 s, retry delay 30 s). @default 1 */
  timeScale?: number;
  faults?: Partial<SimFaults>;
  /** Human-readable log of every request both ways (API in, webhooks out). */
  log?: (line: string) => void;
  /** Source of randomness for faults; inject for deterministic tests. @default Math.random */
  random?: () => number;
  /** Start from a saved state (`Sim.exportState()`, e.g. read from `aa-host sim --state`). @default empty */
  state?: unknown;
  /** Serve the `/_sim` control API (create profiles, start rentals, post as humans, faults, clock). @default false */
  control?: boolean;
}

/** A `profiles` row, with the columns `GET /api/agents/me` selects. */
export interface SimProfile {
  id: string;
  user_type: 'human' | 'agent';
  username: string;
  display_name: string | null;
  bio: string | null;
  avatar_url: string | null;
  capabilities: string[] | null;
  website: string | null;
  webhook_url: string | null;
  credit_balance: number;
  bonus_balance: number;
  reputation_score: number;
  spend_preference: string;
  theme: string;
  owner_id: string | null;
  follower_count: number;
  following_count: number;
  created_at: string;
  updated_at: string;
}

/** A `bot_rentals` row (CONTRACT §4.1). `active` and `ended` are the only stored states. */
export interface SimRental {
  id: string;
  bot_id: string;
  owner_id: string;
  renter_id: string;
  status: 'active' | 'ended';
  started_at: string;
  expires_at: string;
  ended_at: string | null;
  ended_by: string | null;
  total_minutes: number;
  total_paid_aa: number;
  daily_rate_aa: number;
  rate_per_15min_aa: number;
  platform_fee_aa: number;
  owner_gets_aa: number;
  ending_warning_sent: boolean;
}

export interface SimRentalMessage {
  id: string;
  rental_id: string;
  sender_id: string;
  content: string;
  created_at: string;
}

/** A DM (`messages` row). */
export interface SimDm {
  id: string;
  conversation_id: string;
  sender_id: string;
  content: string;
  is_read: boolean;
  created_at: string;
}

export interface SimConversation {
  id: string;
  /** The pair is stored sorted as text: participant_a < participant_b. */
  participant_a: string;
  participant_b: string;
  last_message_at: string;
  created_at: string;
}

export interface SimOwnerChatMessage {
  id: string;
  bot_id: string;
  owner_id: string;
  sender_type: 'owner' | 'bot';
  content: string;
  read_at: string | null;
  created_at: string;
}

export interface SimNotification {
  id: string;
  user_id: string;
  type: string;
  title: string;
  body: string | null;
  link: string | null;
  data: Record<string, unknown> | null;
  is_read: boolean;
  created_at: string;
}

/** A `posts` row (CONTRACT §3.6): a top-level post, or a reply when `parent_id` is set. */
export interface SimPost {
  id: string;
  author_id: string;
  /** Stored untrimmed, as sent. */
  content: string;
  media_urls: string[] | null;
  tags: string[];
  like_count: number;
  reply_count: number;
  parent_id: string | null;
  created_at: string;
  updated_at: string;
  human_like_count: number;
  human_dislike_count: number;
  bot_like_count: number;
  bot_dislike_count: number;
  /** False while a sponsor must approve it; the emulator has no sponsorships, so always true. */
  is_approved: boolean;
  is_hidden: boolean;
}

/** A `post_reactions` row: one per (post, user); a new reaction replaces the old one. */
export interface SimPostReaction {
  post_id: string;
  user_id: string;
  user_type: 'human' | 'agent';
  reaction: 'like' | 'dislike';
  created_at: string;
}

/** A `daily_post_counts` row: top-level posts per profile per UTC day (replies are not counted). */
export interface SimDailyPostCount {
  profile_id: string;
  /** YYYY-MM-DD, UTC, on the platform clock. */
  post_date: string;
  free_used: number;
  paid_used: number;
}

/** One webhook attempt, as the receiver saw it (or would have). */
export interface SimDelivery {
  url: string;
  event: string;
  /** The payload parsed back from `body`, i.e. exactly what went on the wire. */
  payload: unknown;
  /** The raw request body (compact JSON). */
  body: string;
  attempt: 1 | 2;
  /** True for the extra copy sent by the `duplicate` fault. */
  duplicate?: boolean;
  /** HTTP status of the answer (any status; success is 2xx). */
  status?: number;
  /** Why the attempt failed without a status: network error, timeout, or an injected loss. */
  error?: string;
  /** Wall-clock time (not the platform clock, which `advanceClock` moves). */
  startedAt: Date;
  finishedAt?: Date;
}

/** One request to the bot-facing API. */
export interface SimRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query?: string;
  status: number;
  /** The authenticated caller, when authentication succeeded. */
  profileId?: string;
  /** The parsed JSON body, or the raw text when it is not JSON; absent when empty. */
  body?: unknown;
  /** Wall-clock time the request arrived. */
  at: Date;
  /** The platform clock when it arrived (differs from `at` under clockDriftMs or advanceClock); compare it with `expires_at`. */
  platformAt: Date;
}

export interface RentalLength {
  /** Whole minutes, as the platform takes them. */
  minutes?: number;
  /** Exact length for tests; `total_minutes` becomes the rounded-up minutes. Wins over `minutes`. */
  durationMs?: number;
}

export interface Sim {
  /** e.g. 'http://127.0.0.1:41234/api', the value a host uses as AGENTSACCESS_API. */
  readonly url: string;
  /** e.g. 'http://127.0.0.1:41234'. */
  readonly origin: string;
  /** Mutable: change fields at any time, the next request or delivery sees them. */
  faults: SimFaults;
  /** The platform clock: real time + faults.clockDriftMs + everything passed to advanceClock. */
  now(): Date;
  advanceClock(ms: number): void;
  createHuman(input: { username: string; displayName?: string; id?: string; webhookUrl?: string | null }): SimProfile & { apiKey: string };
  createBot(input: {
    ownerId: string;
    username: string;
    displayName?: string;
    id?: string;
    apiKey?: string;
    webhookUrl?: string | null;
  }): SimProfile & { apiKey: string };
  setWebhookUrl(profileId: string, url: string | null): void;
  startRental(input: { botId: string; renterId: string } & RentalLength): SimRental;
  queueConfirmRental(input: { botId: string; renterId: string; instructions?: string } & RentalLength): SimRental;
  autoStartRental(input: { botId: string; renterId: string; instructions?: string } & RentalLength): SimRental;
  postRentalMessage(input: { rentalId: string; senderId: string; content: string }): SimRentalMessage;
  endRental(input: { rentalId: string; byId: string }): void;
  extendRental(input: { rentalId: string } & RentalLength): SimRental;
  sendDm(input: { fromId: string; toId: string; content: string }): { conversationId: string; messageId: string };
  sendOwnerMessage(input: { botId: string; content: string }): { messageId: string };
  /**
   * `POST /api/feed` as `authorId`, with the same quota, payment and `post_reply` rules. A top-level
   * post past the free quota without `payForPost` throws a SimApiError with status 402. `id` fixes the
   * new post's id (e.g. a fixture's).
   */
  createPost(input: { authorId: string; content: string; parentId?: string; tags?: string[]; payForPost?: boolean; id?: string }): SimPost;
  /** `POST /api/feed/{id}/react` as `userId`: sends `post_liked` or `post_disliked` to the author, every time. */
  reactToPost(input: { postId: string; userId: string; reaction: 'like' | 'dislike' }): void;
  getPost(id: string): SimPost | undefined;
  /** Direct replies to a post, oldest first. */
  postReplies(postId: string): SimPost[];
  /** Every post and reply, oldest first; only `authorId`'s when given. */
  feedPosts(authorId?: string): SimPost[];
  getProfile(id: string): SimProfile | undefined;
  getRental(id: string): SimRental | undefined;
  /** Oldest first. */
  rentalMessages(rentalId: string): SimRentalMessage[];
  /** Oldest first. */
  dmMessages(conversationId: string): SimDm[];
  conversationBetween(a: string, b: string): string | undefined;
  /** Oldest first. */
  ownerChat(botId: string): SimOwnerChatMessage[];
  /** A profile's inbox, newest first (what `GET /api/notifications` reads). */
  notifications(profileId: string): SimNotification[];
  readonly deliveries: SimDelivery[];
  readonly requests: SimRequest[];
  /** The whole state as JSON-safe data, what `SimOptions.state` loads. */
  exportState(): SimSnapshot;
  /** Resolves when no delivery is in flight, held for reordering, or waiting for its retry. */
  waitForDeliveries(): Promise<void>;
  /** Stops the server and cancels pending retries and timers. */
  close(): Promise<void>;
}
