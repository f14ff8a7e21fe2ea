/**
 * Rental starts, ends and extensions, following the database functions `start_rental`,
 * `confirm_queue_claim`, `auto_start_queue_entry`, `end_rental` and `extend_rental`
 * (CONTRACT §4.2–§4.6). Error texts and their order are the functions' own.
 */
import { toTsDb, parseTsDb } from '../clock.js';
import { newId } from '../sim-state.js';
import type { SimListing } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { RentalLength, SimProfile, SimRental } from '../types.js';
import type { SimPlatform } from './context.js';
import { embedProfile } from './profiles.js';
import { insertRentalMessage } from './rental-chat.js';

const MIN_RENTAL_MINUTES = 15;
const MAX_INSTRUCTIONS = 4000;
/** `rental_messages.content` has a database check of 1–2000 chars (CONTRACT §4.3). */
const MAX_RENTAL_MESSAGE = 2000;

/** `compute_rental_cost`: the cheaper of all 15-minute blocks, or full days plus blocks. */
export function computeRentalCost(minutes: number, ratePer15: number, dailyRate: number): number {
  if (minutes <= 0) return 0;
  const blocks = Math.ceil(minutes / 15);
  const fullDays = Math.floor(blocks / 96);
  return Math.min(blocks * ratePer15, fullDays * dailyRate + (blocks - fullDays * 96) * ratePer15);
}

/** 5 % platform fee, rounded up; the rest goes to the owner. */
function split(cost: number): { fee: number; ownerGets: number } {
  const fee = Math.ceil(cost * 0.05);
  return { fee, ownerGets: cost - fee };
}

interface ResolvedLength {
  minutes: number;
  micros: number;
  /** Exact lengths from tests skip the platform's 15-minute minimum. */
  exact: boolean;
}

function resolveLength(length: RentalLength, defaultMinutes: number): ResolvedLength {
  if (length.durationMs !== undefined) {
    if (!(length.durationMs > 0)) throw new SimApiError(400, 'durationMs must be positive');
    return { minutes: Math.ceil(length.durationMs / 60_000), micros: Math.round(length.durationMs * 1000), exact: true };
  }
  const minutes = length.minutes ?? defaultMinutes;
  return { minutes, micros: minutes * 60_000_000, exact: false };
}

export interface StartResult {
  rental: SimRental;
  cost: number;
  fee: number;
  ownerGets: number;
}

function insertRental(
  platform: SimPlatform,
  input: { bot: SimProfile; renterId: string; listing: SimListing; length: ResolvedLength; cost: number },
): StartResult {
  const { state, clock } = platform;
  const { fee, ownerGets } = split(input.cost);
  const renter = state.profiles.get(input.renterId);
  const owner = input.bot.owner_id ? state.profiles.get(input.bot.owner_id) : undefined;
  if (renter) renter.credit_balance -= input.cost;
  if (owner) owner.credit_balance += ownerGets;
  const startedMicros = clock.nowMicros();
  const rental: SimRental = {
    id: newId(),
    bot_id: input.bot.id,
    owner_id: input.bot.owner_id as string,
    renter_id: input.renterId,
    status: 'active',
    started_at: toTsDb(startedMicros),
    expires_at: toTsDb(startedMicros + input.length.micros),
    ended_at: null,
    ended_by: null,
    total_minutes: input.length.minutes,
    total_paid_aa: input.cost,
    daily_rate_aa: input.listing.daily_rate_aa,
    rate_per_15min_aa: input.listing.rate_per_15min_aa,
    platform_fee_aa: fee,
    owner_gets_aa: ownerGets,
    ending_warning_sent: false,
  };
  state.rentals.set(rental.id, rental);
  input.listing.is_available = false;
  return { rental, cost: input.cost, fee, ownerGets };
}

function hasActiveRental(platform: SimPlatform, botId: string): boolean {
  return [...platform.state.rentals.values()].some((r) => r.bot_id === botId && r.status === 'active');
}

function requireCredits(platform: SimPlatform, profileId: string, cost: number): void {
  const balance = platform.state.profiles.get(profileId)?.credit_balance ?? 0;
  if (balance < cost) throw new SimApiError(400, 'Insufficient credits');
}

/**
 * A direct start (`POST /api/rentals`): `start_rental`, then `rental_request` to the bot
 * (with the owner fan-out) and a standard copy to the owner. The payload carries no
 * duration or expiry.
 */
export function startRental(
  platform: SimPlatform,
  input: { botId: string; renterId: string } & RentalLength,
): StartResult {
  const { state, notify } = platform;
  const length = resolveLength(input, MIN_RENTAL_MINUTES);
  if (!length.exact && length.minutes < MIN_RENTAL_MINUTES) throw new SimApiError(400, 'Minimum rental is 15 minutes');
  const listing = state.listings.get(input.botId);
  if (!listing || !listing.is_available) throw new SimApiError(400, 'Bot is not available for rent');
  const bot = state.profiles.get(input.botId);
  if (!bot || bot.reputation_score < 5) throw new SimApiError(400, 'Bot does not meet minimum reputation score');
  if (!bot.owner_id) throw new SimApiError(400, 'Bot has no owner');
  if (bot.owner_id === input.renterId) throw new SimApiError(400, 'Cannot rent your own bot');
  if (hasActiveRental(platform, bot.id)) throw new SimApiError(400, 'Bot already has an active rental');
  const cost = computeRentalCost(length.minutes, listing.rate_per_15min_aa, listing.daily_rate_aa);
  requireCredits(platform, input.renterId, cost);
  const result = insertRental(platform, { bot, renterId: input.renterId, listing, length, cost });

  const renterUsername = state.profiles.get(input.renterId)?.username ?? null;
  const payload = {
    type: 'rental_request',
    title: `${bot.display_name ?? 'Your bot'} was rented by @${renterUsername ?? 'someone'}`,
    body: 'Open the rental chat to receive instructions.',
    link: `/rentals/${result.rental.id}/chat`,
    event: 'rental_request',
    data: { rental_id: result.rental.id, bot_id: bot.id, renter_id: input.renterId, renter_username: renterUsername },
  };
  notify({ userId: bot.id, ...payload });
  notify({ userId: bot.owner_id, ...payload });
  return result;
}

/** Trimmed, empty becomes null, at most 4000 chars: what the queue join stores. */
function normaliseInstructions(instructions: string | undefined): string | null {
  const trimmed = instructions?.trim();
  if (!trimmed) return null;
  if (trimmed.length > MAX_INSTRUCTIONS) {
    throw new SimApiError(400, `pre_loaded_instructions too long (max ${MAX_INSTRUCTIONS} chars)`);
  }
  return trimmed;
}

/** Shared by both queue paths: the rental plus the instructions as the renter's first message. */
function startFromQueue(
  platform: SimPlatform,
  input: { botId: string; renterId: string; instructions?: string | undefined } & RentalLength,
): { result: StartResult; instructions: string | null; minutes: number } {
  const { state } = platform;
  const length = resolveLength(input, MIN_RENTAL_MINUTES);
  // rental_queue.desired_duration_minutes has a CHECK (>= 15).
  if (!length.exact && length.minutes < MIN_RENTAL_MINUTES) throw new SimApiError(400, 'Minimum duration is 15 minutes');
  const instructions = normaliseInstructions(input.instructions);
  const bot = state.profiles.get(input.botId);
  const listing = state.listings.get(input.botId);
  if (!bot || bot.user_type !== 'agent' || !listing) throw new SimApiError(400, 'Bot is not listed for rent');
  if (!bot.owner_id) throw new SimApiError(400, 'Bot has no owner');
  if (bot.owner_id === input.renterId) throw new SimApiError(400, 'Cannot queue for your own bot');
  // The platform does not check first; the unique index on active rentals makes the insert
  // fail, and the caller gets a 500 (CONTRACT §4.3).
  if (hasActiveRental(platform, bot.id)) {
    throw new SimApiError(500, 'duplicate key value violates unique constraint "bot_rentals_one_active_per_bot"');
  }
  // Instructions over 2000 chars violate the rental_messages check inside the same database
  // function, so nothing is created (CONTRACT §4.3, "high impact").
  if (instructions && instructions.length > MAX_RENTAL_MESSAGE) {
    throw new SimApiError(500, 'new row for relation "rental_messages" violates check constraint "rental_messages_content_check"');
  }
  const cost = computeRentalCost(length.minutes, listing.rate_per_15min_aa, listing.daily_rate_aa);
  requireCredits(platform, input.renterId, cost);
  const result = insertRental(platform, { bot, renterId: input.renterId, listing, length, cost });
  if (instructions) insertRentalMessage(platform, { rental: result.rental, senderId: input.renterId, content: instructions });
  return { result, instructions, minutes: length.minutes };
}

/**
 * A queued renter confirms their claim (`POST /api/rentals/queue/confirm`): the rental,
 * the instructions as first chat message (no rental_message), then `rental_request` with
 * source `queue_confirm` to the owner first, then the bot.
 */
export function queueConfirmRental(
  platform: SimPlatform,
  input: { botId: string; renterId: string; instructions?: string | undefined } & RentalLength,
): StartResult {
  const { state, notify } = platform;
  const { result, instructions, minutes } = startFromQueue(platform, input);
  const rental = result.rental;
  const renterUsername = state.profiles.get(rental.renter_id)?.username ?? null;
  const payload = {
    type: 'rental_request',
    title: `Rental confirmed by @${renterUsername ?? 'someone'}`,
    body: instructions ? 'Pre-loaded instructions are attached.' : 'Open the rental chat to receive instructions.',
    link: `/rentals/${rental.id}/chat`,
    event: 'rental_request',
    data: {
      rental_id: rental.id,
      bot_id: rental.bot_id,
      renter_id: rental.renter_id,
      renter_username: renterUsername,
      pre_loaded_instructions: instructions,
      desired_duration_minutes: minutes,
      source: 'queue_confirm',
    },
  };
  notify({ userId: rental.owner_id, ...payload });
  notify({ userId: rental.bot_id, ...payload });
  return result;
}

/** An auto-start queue entry reaches the head: the bot and the owner are told nothing. */
export function autoStartRental(
  platform: SimPlatform,
  input: { botId: string; renterId: string; instructions?: string | undefined } & RentalLength,
): StartResult {
  return startFromQueue(platform, input).result;
}

export interface EndResult {
  ok: true;
  promotion: { ok: false; reason: 'queue_empty' };
}

/**
 * `DELETE /api/rentals/{id}`: `end_rental` (renter or owner only; a bot gets 400 Not
 * authorized), then `rental_ended` to the bot. Only the stored status is checked, so an
 * overdue rental that no sweep has ended yet can still be ended this way.
 */
export function endRental(platform: SimPlatform, input: { rentalId: string; byId: string }): EndResult {
  const { state, clock, notify } = platform;
  const rental = state.rentals.get(input.rentalId);
  if (!rental) throw new SimApiError(400, 'Rental not found');
  if (rental.status !== 'active') throw new SimApiError(400, 'Rental is not active');
  if (input.byId !== rental.owner_id && input.byId !== rental.renter_id) throw new SimApiError(400, 'Not authorized');
  rental.status = 'ended';
  rental.ended_at = clock.nowDb();
  rental.ended_by = input.byId;
  const listing = state.listings.get(rental.bot_id);
  if (listing) listing.is_available = true;
  notify({
    userId: rental.bot_id,
    type: 'rental_ended',
    title: 'Rental ended',
    body: 'The rental period is over. Wrap up any in-flight work.',
    link: `/rentals/${rental.id}`,
    event: 'rental_ended',
    data: { rental_id: rental.id, ended_by: input.byId, renter_id: rental.renter_id, owner_id: rental.owner_id },
  });
  // The emulator has no queue, so promotion always finds it empty.
  return { ok: true, promotion: { ok: false, reason: 'queue_empty' } };
}

export interface ExtendResult {
  ok: true;
  minutes_added: number;
  cost_aa: number;
  fee_aa: number;
  new_expires_at: string;
}

/**
 * `extend_rental`: renter only; the new expiry is max(expires_at, now) + the minutes.
 * No event, and `ending_warning_sent` stays set (CONTRACT §4.6).
 */
export function extendRental(
  platform: SimPlatform,
  input: { rentalId: string; byId?: string | undefined } & RentalLength,
): ExtendResult {
  const { state, clock } = platform;
  const length = resolveLength(input, MIN_RENTAL_MINUTES);
  if (!length.exact && length.minutes < MIN_RENTAL_MINUTES) throw new SimApiError(400, 'Minimum extension is 15 minutes');
  const rental = state.rentals.get(input.rentalId);
  if (!rental) throw new SimApiError(400, 'Rental not found');
  if (rental.status !== 'active') throw new SimApiError(400, 'Rental is not active');
  const byId = input.byId ?? rental.renter_id;
  if (rental.renter_id !== byId) throw new SimApiError(400, 'Only the renter can extend');
  const cost = computeRentalCost(length.minutes, rental.rate_per_15min_aa, rental.daily_rate_aa);
  const { fee, ownerGets } = split(cost);
  requireCredits(platform, byId, cost);
  const renter = state.profiles.get(rental.renter_id);
  const owner = state.profiles.get(rental.owner_id);
  if (renter) renter.credit_balance -= cost;
  if (owner) owner.credit_balance += ownerGets;
  const from = Math.max(parseTsDb(rental.expires_at), clock.nowMicros());
  rental.expires_at = toTsDb(from + length.micros);
  rental.total_minutes += length.minutes;
  rental.total_paid_aa += cost;
  rental.platform_fee_aa += fee;
  rental.owner_gets_aa += ownerGets;
  return { ok: true, minutes_added: length.minutes, cost_aa: cost, fee_aa: fee, new_expires_at: rental.expires_at };
}

/** The row with `bot`, `renter` and `review` embedded, as the rental GET routes select it. */
export function rentalWithEmbeds(platform: SimPlatform, rental: SimRental, options: { botBio: boolean }): unknown {
  const botColumns = options.botBio
    ? (['id', 'username', 'display_name', 'avatar_url', 'capabilities', 'bio'] as const)
    : (['id', 'username', 'display_name', 'avatar_url', 'capabilities'] as const);
  return {
    ...rental,
    bot: embedProfile(platform, rental.bot_id, botColumns),
    renter: embedProfile(platform, rental.renter_id, ['id', 'username', 'display_name', 'avatar_url']),
    // Rental reviews are not emulated.
    review: null,
  };
}
