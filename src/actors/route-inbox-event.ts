/**
 * Turns a stored webhook into what its actor receives: the machine event and, for chat
 * messages, the message to add to the transcript (deduplicated by the platform's message id).
 */
import { EventDataSchemas, type StandardEnvelope } from '../ingress/webhook-shapes.js';
import { toEpochMicros } from '../time.js';
import type { ConversationEvent } from './conversation-machine.js';
import type { RentalEvent } from './rental-machine.js';

export type ActorEvent = RentalEvent | ConversationEvent;

export interface IncomingMessage {
  author: string;
  authorId: string;
  externalId: string;
  content: string;
  eventTime: number;
}

export interface RoutedEvent {
  message?: IncomingMessage;
  /** Built after the message (if any) is stored, so a turn can point at it. */
  toEvent(messageRowId: number | null): ActorEvent;
}

/** Returns null for events no actor acts on. */
export function routeInboxEvent(body: string): RoutedEvent | null {
  const envelope = JSON.parse(body) as StandardEnvelope;
  const fields = envelope.data.data ?? {};
  const eventTime = toEpochMicros(envelope.data.created_at);
  switch (envelope.event) {
    case 'rental_request': {
      const d = EventDataSchemas.rental_request.parse(fields);
      const instructions = d.pre_loaded_instructions?.trim() || null;
      return { toEvent: () => ({ type: 'rental.request', renterId: d.renter_id, instructions }) };
    }
    case 'rental_message': {
      const d = EventDataSchemas.rental_message.parse(fields);
      return {
        message: { author: d.sender_username ?? '', authorId: d.sender_id, externalId: d.message_id, content: d.content, eventTime },
        toEvent: (messageRowId) => ({ type: 'rental.message', messageRowId: messageRowId!, senderId: d.sender_id }),
      };
    }
    case 'rental_ending_soon': {
      const d = EventDataSchemas.rental_ending_soon.parse(fields);
      return {
        toEvent: () => ({
          type: 'rental.ending_soon',
          renterId: d.renter_id ?? null,
          ownerId: d.owner_id ?? null,
          expiresAt: d.expires_at ? new Date(d.expires_at).toISOString() : null,
        }),
      };
    }
    case 'rental_ended': {
      const d = EventDataSchemas.rental_ended.parse(fields);
      return { toEvent: () => ({ type: 'rental.ended', reason: `rental_ended (ended_by ${d.ended_by ?? 'unknown'})` }) };
    }
    case 'new_message': {
      const d = EventDataSchemas.new_message.parse(fields);
      return {
        message: { author: d.from_username ?? '', authorId: d.from_id, externalId: d.message_id, content: d.content, eventTime },
        toEvent: (messageRowId) => ({ type: 'conversation.message', messageRowId: messageRowId!, senderId: d.from_id }),
      };
    }
    case 'owner_message': {
      const d = EventDataSchemas.owner_message.parse(fields);
      return {
        message: { author: d.owner_username ?? 'owner', authorId: d.owner_id, externalId: d.message_id, content: d.content, eventTime },
        toEvent: (messageRowId) => ({ type: 'conversation.message', messageRowId: messageRowId!, senderId: d.owner_id }),
      };
    }
    default:
      return null;
  }
}
