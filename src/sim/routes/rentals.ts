/**
 * `/api/rentals*` (CONTRACT §3.3). The list and detail GETs run the expiry sweep first;
 * the list GET also claims ending-soon warnings for every rental on the platform.
 */
import { parseTsDb } from '../clock.js';
import { expireDueRentals, sendEndingSoonWarnings } from '../platform/housekeeping.js';
import {
  postCheckedRentalMessage,
  rentalTranscript,
  requireOpenRental,
  requireRentalParticipant,
  validateRentalContent,
  withSender,
} from '../platform/rental-chat.js';
import { endRental, extendRental, rentalWithEmbeds, startRental } from '../platform/rentals.js';
import { SimApiError } from '../sim-api-error.js';
import { ok, parseJsonBody, type RouteDeps, type SimRouter } from './route-kit.js';

const MAX_RENTAL_MINUTES = 30 * 24 * 60;

export function registerRentalRoutes(router: SimRouter, deps: RouteDeps): void {
  const { platform } = deps;
  const { state } = platform;

  router.route('GET', '/api/rentals', ({ actor }) => {
    expireDueRentals(platform);
    sendEndingSoonWarnings(platform);
    const rentals = [...state.rentals.values()]
      .filter((r) => r.owner_id === actor.id || r.renter_id === actor.id || r.bot_id === actor.id)
      .reverse()
      .sort((a, b) => parseTsDb(b.started_at) - parseTsDb(a.started_at))
      .map((r) => rentalWithEmbeds(platform, r, { botBio: false }));
    return ok({ rentals });
  });

  router.route('POST', '/api/rentals', ({ actor, rawBody }) => {
    const body = parseJsonBody(rawBody);
    if (!body.bot_id) throw new SimApiError(400, 'bot_id is required');
    const minutes = requestedMinutes(body.duration_minutes ?? 15);
    const result = startRental(platform, { botId: String(body.bot_id), renterId: actor.id, minutes });
    return ok(
      {
        ok: true,
        rental_id: result.rental.id,
        cost_aa: result.cost,
        fee_aa: result.fee,
        owner_gets_aa: result.ownerGets,
        minutes,
      },
      201,
    );
  });

  router.route('GET', '/api/rentals/:id', ({ actor, params }) => {
    expireDueRentals(platform);
    const rental = state.rentals.get(params.id ?? '');
    if (!rental) throw new SimApiError(404, 'Rental not found');
    if (rental.owner_id !== actor.id && rental.renter_id !== actor.id && rental.bot_id !== actor.id) {
      throw new SimApiError(403, 'Not authorized');
    }
    // The row itself is the body, not wrapped in {rental: …}.
    return ok(rentalWithEmbeds(platform, rental, { botBio: true }));
  });

  router.route('DELETE', '/api/rentals/:id', ({ actor, params }) =>
    ok(endRental(platform, { rentalId: params.id ?? '', byId: actor.id })),
  );

  router.route('POST', '/api/rentals/:id/extend', ({ actor, params, rawBody }) => {
    const body = parseJsonBody(rawBody);
    const minutes = requestedMinutes(body.duration_minutes ?? 0);
    return ok(extendRental(platform, { rentalId: params.id ?? '', byId: actor.id, minutes }));
  });

  router.route('GET', '/api/rentals/:id/messages', ({ actor, params }) => {
    const rental = requireRentalParticipant(platform, params.id ?? '', actor.id);
    return ok({ messages: rentalTranscript(platform, rental.id).map((m) => withSender(platform, m)) });
  });

  router.route('POST', '/api/rentals/:id/messages', ({ actor, params, rawBody }) => {
    const rental = requireRentalParticipant(platform, params.id ?? '', actor.id);
    // Checked before the body is even parsed.
    requireOpenRental(rental);
    const body = parseJsonBody(rawBody);
    const content = validateRentalContent(body.content);
    const message = postCheckedRentalMessage(platform, { rental, senderId: actor.id, content });
    return ok({ message: withSender(platform, message) }, 201);
  });
}

/** `Math.floor(duration_minutes)` checked against 15 … 30 days, as both routes do. */
function requestedMinutes(value: unknown): number {
  const minutes = Math.floor(Number(value));
  if (!(minutes >= 15)) throw new SimApiError(400, 'duration_minutes must be at least 15');
  if (minutes > MAX_RENTAL_MINUTES) throw new SimApiError(400, 'duration_minutes cannot exceed 30 days');
  return minutes;
}
