/**
 * The rental transcript (`rentals/[id]/messages`). The renter, the owner and the bot may
 * all post; every non-bot post sends `rental_message` to the bot (CONTRACT §3.3, §4.8).
 */
import { newId } from '../sim-state.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimRental, SimRentalMessage } from '../types.js';
import type { SimPlatform } from './context.js';
import { embedProfile, SENDER_COLUMNS } from './profiles.js';

const MAX_CONTENT = 2000;

/** The participant check both verbs share: 404 `Rental not found`, 403 `Not authorized`. */
export function requireRentalParticipant(platform: SimPlatform, rentalId: string, actorId: string): SimRental {
  const rental = platform.state.rentals.get(rentalId);
  if (!rental) throw new SimApiError(404, 'Rental not found');
  if (rental.owner_id !== actorId && rental.renter_id !== actorId && rental.bot_id !== actorId) {
    throw new SimApiError(403, 'Not authorized');
  }
  return rental;
}

/**
 * Runs before the body is parsed. Only the stored status counts: an overdue rental that
 * no sweep has ended yet still accepts posts.
 */
export function requireOpenRental(rental: SimRental): void {
  if (rental.status === 'ended') throw new SimApiError(400, 'Cannot message in an ended rental');
}

/** Trims and checks `content`: 1–2000 chars after trim. */
export function validateRentalContent(content: unknown): string {
  const trimmed = typeof content === 'string' ? content.trim() : '';
  if (!trimmed) throw new SimApiError(400, 'content is required');
  if (trimmed.length > MAX_CONTENT) throw new SimApiError(400, 'Message too long (max 2000 characters)');
  return trimmed;
}

/** A raw insert, with no event: the queue paths use it for pre-loaded instructions. */
export function insertRentalMessage(
  platform: SimPlatform,
  input: { rental: SimRental; senderId: string; content: string },
): SimRentalMessage {
  const message: SimRentalMessage = {
    id: newId(),
    rental_id: input.rental.id,
    sender_id: input.senderId,
    content: input.content,
    created_at: platform.clock.nowDb(),
  };
  platform.state.rentalMessages.push(message);
  return message;
}

/** Insert a checked message and, unless the bot wrote it, tell the bot. */
export function postCheckedRentalMessage(
  platform: SimPlatform,
  input: { rental: SimRental; senderId: string; content: string },
): SimRentalMessage {
  const message = insertRentalMessage(platform, input);
  const { rental, senderId, content } = input;
  if (senderId !== rental.bot_id) {
    const sender = platform.state.profiles.get(senderId);
    platform.notify({
      userId: rental.bot_id,
      type: 'rental_message',
      title: `New rental message from ${sender?.display_name ?? 'renter'}`,
      body: content.length > 200 ? `${content.slice(0, 197)}...` : content,
      link: `/rentals/${rental.id}/chat`,
      event: 'rental_message',
      data: {
        rental_id: rental.id,
        message_id: message.id,
        sender_id: senderId,
        sender_username: sender?.username ?? null,
        content,
      },
    });
  }
  return message;
}

/** Same rules as `POST /api/rentals/{id}/messages`, in the same order. */
export function postRentalMessage(
  platform: SimPlatform,
  input: { rentalId: string; senderId: string; content: string },
): SimRentalMessage {
  const rental = requireRentalParticipant(platform, input.rentalId, input.senderId);
  requireOpenRental(rental);
  const content = validateRentalContent(input.content);
  return postCheckedRentalMessage(platform, { rental, senderId: input.senderId, content });
}

export function rentalTranscript(platform: SimPlatform, rentalId: string): SimRentalMessage[] {
  return platform.state.rentalMessages.filter((m) => m.rental_id === rentalId);
}

export function withSender<T extends { sender_id: string }>(platform: SimPlatform, row: T): T & { sender: unknown } {
  return { ...row, sender: embedProfile(platform, row.sender_id, SENDER_COLUMNS) };
}
