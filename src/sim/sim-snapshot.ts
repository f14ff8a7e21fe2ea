/**
 * Saving and loading the emulator's state (`aa-host sim --state file.json`). The snapshot is
 * the tables as JSON plus the clock's advance, so a reloaded emulator has the same profiles,
 * keys, rentals, transcripts and feed, and agrees on what time it is. The request and delivery logs
 * are not state and are not saved.
 */
import { z } from 'zod';
import type { SimListing, SimState } from './sim-state.js';
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

/**
 * Rows are checked for shape only (an object with its key): the file is one the emulator
 * wrote, and the check is there to refuse the wrong file (a scenario, a truncated save) with
 * a message naming the field, not to re-validate every column.
 */
const rowsWith = <K extends string>(key: K) => z.array(z.looseObject({ [key]: z.string() } as Record<K, z.ZodString>));

export const simSnapshotSchema = z.object({
  format: z.literal('aa-host-sim-state'),
  version: z.literal(1),
  saved_at: z.string(),
  /** Everything `advanceClock` added before the save. */
  clock_advanced_ms: z.number(),
  profiles: rowsWith('id'),
  api_keys: z.array(z.object({ api_key: z.string().regex(/^aa_[0-9a-f]{64}$/), profile_id: z.string() })),
  listings: rowsWith('bot_id'),
  rentals: rowsWith('id'),
  rental_messages: rowsWith('id'),
  conversations: rowsWith('id'),
  dms: rowsWith('id'),
  owner_chat: rowsWith('id'),
  notifications: rowsWith('id'),
  // The feed came later: a save without it loads with an empty feed.
  posts: rowsWith('id').default([]),
  post_reactions: rowsWith('post_id').default([]),
  daily_post_counts: rowsWith('profile_id').default([]),
});

export type SimSnapshot = z.infer<typeof simSnapshotSchema>;

export function snapshotState(state: SimState, clockAdvancedMs: number, savedAt: string): SimSnapshot {
  const copy = <T>(rows: Iterable<T>): Array<T & Record<string, unknown>> =>
    [...rows].map((row) => structuredClone(row) as T & Record<string, unknown>);
  return {
    format: 'aa-host-sim-state',
    version: 1,
    saved_at: savedAt,
    clock_advanced_ms: clockAdvancedMs,
    profiles: copy(state.profiles.values()),
    api_keys: [...state.apiKeys].map(([api_key, profile_id]) => ({ api_key, profile_id })),
    listings: copy(state.listings.values()),
    rentals: copy(state.rentals.values()),
    rental_messages: copy(state.rentalMessages),
    conversations: copy(state.conversations.values()),
    dms: copy(state.dms),
    owner_chat: copy(state.ownerChat),
    notifications: copy(state.notifications),
    posts: copy(state.posts.values()),
    post_reactions: copy(state.postReactions),
    daily_post_counts: copy(state.dailyPostCounts.values()),
  };
}

/** Fills an empty state from a snapshot; throws a ZodError naming the bad field. */
export function restoreState(state: SimState, input: unknown): SimSnapshot {
  const snapshot = simSnapshotSchema.parse(input);
  const clone = <T>(row: unknown): T => structuredClone(row) as T;
  for (const row of snapshot.profiles) state.profiles.set(row.id, clone<SimProfile>(row));
  for (const { api_key, profile_id } of snapshot.api_keys) state.apiKeys.set(api_key, profile_id);
  for (const row of snapshot.listings) state.listings.set(row.bot_id, clone<SimListing>(row));
  for (const row of snapshot.rentals) state.rentals.set(row.id, clone<SimRental>(row));
  state.rentalMessages.push(...snapshot.rental_messages.map((row) => clone<SimRentalMessage>(row)));
  for (const row of snapshot.conversations) state.conversations.set(row.id, clone<SimConversation>(row));
  state.dms.push(...snapshot.dms.map((row) => clone<SimDm>(row)));
  state.ownerChat.push(...snapshot.owner_chat.map((row) => clone<SimOwnerChatMessage>(row)));
  state.notifications.push(...snapshot.notifications.map((row) => clone<SimNotification>(row)));
  for (const row of snapshot.posts) state.posts.set(row.id, clone<SimPost>(row));
  state.postReactions.push(...snapshot.post_reactions.map((row) => clone<SimPostReaction>(row)));
  for (const row of snapshot.daily_post_counts) {
    const count = clone<SimDailyPostCount>(row);
    state.dailyPostCounts.set(`${count.profile_id}|${count.post_date}`, count);
  }
  return snapshot;
}
