/**
 * The platform's lazy housekeeping (CONTRACT §4.4, §4.5, §6.6). There is no timer: the
 * expiry sweep and the ending-soon warnings only run inside certain GET routes, which is
 * exactly the behaviour a host has to survive.
 */
import { parseTsDb } from '../clock.js';
import type { SimRental } from '../types.js';
import type { SimPlatform } from './context.js';

const ENDING_SOON_MICROS = 2 * 60 * 1_000_000;

/**
 * `expire_due_rentals()`: every overdue active rental on the platform becomes ended, with
 * `ended_by` null and `ended_at` the sweep time. No event is sent.
 */
export function expireDueRentals(platform: SimPlatform): void {
  const { state, clock } = platform;
  const now = clock.nowMicros();
  for (const rental of state.rentals.values()) {
    if (rental.status !== 'active' || parseTsDb(rental.expires_at) > now) continue;
    rental.status = 'ended';
    rental.ended_at = clock.nowDb();
    const listing = state.listings.get(rental.bot_id);
    if (listing) listing.is_available = true;
  }
}

/**
 * Claims active rentals with 2 minutes or less left by flipping `ending_warning_sent`,
 * then sends `rental_ending_soon` to each bot. At most once per rental; an extension does
 * not re-arm it. `only` narrows the claim to one caller's rentals (the pending route).
 */
export function sendEndingSoonWarnings(platform: SimPlatform, only?: (rental: SimRental) => boolean): void {
  const { state, clock, notify } = platform;
  const cutoff = clock.nowMicros() + ENDING_SOON_MICROS;
  const claimed: SimRental[] = [];
  for (const rental of state.rentals.values()) {
    if (rental.status !== 'active' || rental.ending_warning_sent) continue;
    if (parseTsDb(rental.expires_at) > cutoff) continue;
    if (only && !only(rental)) continue;
    rental.ending_warning_sent = true;
    claimed.push(rental);
  }
  for (const rental of claimed) {
    notify({
      userId: rental.bot_id,
      type: 'rental_ending_soon',
      title: 'Rental ending in less than 2 minutes',
      body: 'Wrap up any in-flight work before the rental closes.',
      link: `/rentals/${rental.id}/chat`,
      event: 'rental_ending_soon',
      data: {
        rental_id: rental.id,
        renter_id: rental.renter_id,
        owner_id: rental.owner_id,
        expires_at: rental.expires_at,
      },
    });
  }
}

export const isParticipant =
  (profileId: string) =>
  (rental: SimRental): boolean =>
    rental.bot_id === profileId || rental.owner_id === profileId || rental.renter_id === profileId;
