/**
 * Webhook bodies in the platform's real shapes (test/fixtures/platform), readdressed to the
 * bench's bots and rentals, each with a fresh `data.id` so that nothing is deduplicated away:
 * a duplicate would skip the write and flatter the ingest figure.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './child.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'platform');
const fixture = (name: string): any => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
const ID = '__BENCH_ID__';

/** A function that returns a new body (fresh data.id, current timestamps) on every call. */
export type BodyFactory = () => string;

function templated(payload: unknown): BodyFactory {
  const [head, tail] = JSON.stringify(payload).split(`"${ID}"`) as [string, string];
  return () => `${head}"${randomUUID()}"${tail}`;
}

/** `post_liked` for the bot: a standard event the host stores and hands to the bot's events actor. */
export function postLiked(botId: string): BodyFactory {
  const payload = fixture('post_liked.json');
  payload.data.id = ID;
  payload.data.user_id = botId;
  return templated(payload);
}

/** `bot_rental_message`, the flat owner copy: stored, never acted on (the ingest path alone). */
export function ownerCopy(botId: string): BodyFactory {
  const payload = fixture('bot_rental_message.json');
  payload.data.bot_id = botId;
  payload.timestamp = ID;
  const [head, tail] = JSON.stringify(payload).split(`"${ID}"`) as [string, string];
  // Owner copies dedupe on (event, bot_id, timestamp): a unique timestamp per request.
  let n = 0;
  const base = Date.parse('2026-05-04T14:01:20.000Z');
  return () => `${head}"${new Date(base + n++).toISOString()}"${tail}`;
}

export interface RentalIds {
  botId: string;
  rentalId: string;
  renterId: string;
}

export function rentalRequest(ids: RentalIds, createdAt = new Date()): string {
  const payload = fixture('rental_request.json');
  payload.data.id = randomUUID();
  payload.data.user_id = ids.botId;
  payload.data.link = `/rentals/${ids.rentalId}/chat`;
  Object.assign(payload.data.data, { bot_id: ids.botId, rental_id: ids.rentalId, renter_id: ids.renterId });
  payload.data.created_at = createdAt.toISOString();
  payload.timestamp = createdAt.toISOString();
  return JSON.stringify(payload);
}

/** A message in a rental's chat, as GET /rentals/{id}/messages lists it. */
export interface ChatMessage {
  id: string;
  sender_id: string;
  content: string;
  created_at: string;
}

/**
 * A renter's message: the webhook body, and the message as the platform's transcript holds it
 * (the host checks a message is on the platform before answering it). `content` is what the
 * model will see; the benches put markers in it.
 */
export function rentalMessage(ids: RentalIds, content: string, createdAt = new Date()): { body: string; message: ChatMessage } {
  const payload = fixture('rental_message.json');
  const message: ChatMessage = { id: randomUUID(), sender_id: ids.renterId, content, created_at: createdAt.toISOString() };
  payload.data.id = randomUUID();
  payload.data.user_id = ids.botId;
  payload.data.body = content.slice(0, 200);
  payload.data.link = `/rentals/${ids.rentalId}/chat`;
  Object.assign(payload.data.data, { rental_id: ids.rentalId, sender_id: ids.renterId, message_id: message.id, content });
  payload.data.created_at = message.created_at;
  payload.timestamp = message.created_at;
  return { body: JSON.stringify(payload), message };
}
