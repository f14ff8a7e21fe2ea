/**
 * Webhooks are hints (CONTRACT §6.7): a rental's transcript on the platform is the truth. Any
 * renter or owner message the host has not handled — both deliveries failed, or the
 * queue-confirm / auto-start path wrote the instructions as the first chat message without an
 * event — goes through the inbox once, exactly as its webhook would have.
 */
import { randomUUID } from 'node:crypto';
import type { Bot } from '../config/bot-config.js';
import { classifyWebhook } from '../ingress/classify-webhook.js';
import { storeWebhook } from '../ingress/store-webhook.js';
import { PRIORITY } from '../queue/bot-queues.js';
import { applyActorEvent, loadActor, rentalContext } from '../runtime/apply-actor-event.js';
import type { RuntimeDeps } from '../runtime/runtime-deps.js';
import { isoNow, toEpochMicros } from '../time.js';

export interface DiffOutcome {
  /** Messages recovered into the inbox. */
  recovered: number;
  /** Whether the actor was started on instructions found as the opening message. */
  startedOnInstructions: boolean;
}

/** Instructions are inserted in the same database call that creates the rental. */
const OPENING_WINDOW_MS = 2000;

function writtenAtStart(createdAt: string, startedAt: string | null): boolean {
  return startedAt !== null && Math.abs(Date.parse(createdAt) - Date.parse(startedAt)) <= OPENING_WINDOW_MS;
}

export async function diffTranscript(deps: RuntimeDeps, bot: Bot, actorKey: string): Promise<DiffOutcome> {
  const outcome: DiffOutcome = { recovered: 0, startedOnInstructions: false };
  const context = rentalContext(loadActor(deps.stores, actorKey));
  if (!context || loadActor(deps.stores, actorKey).done) return outcome;
  // Messages still waiting in the inbox are not in the host's transcript yet: diffing now would
  // take each for a lost webhook. The next pass, after the backlog, compares like with like.
  if (deps.stores.inbox.hasPending(actorKey)) return outcome;
  const { messages } = await deps.queues.runPlatform(bot, PRIORITY.rental, () => deps.platformFor(bot).getRentalMessages(context.rentalId));
  if (deps.stores.inbox.hasPending(actorKey)) return outcome;
  const log = deps.log.child({ bot: bot.name, actorKey });

  for (const [index, message] of messages.entries()) {
    if (message.sender_id === bot.profileId || deps.stores.messages.has(actorKey, message.id)) continue;
    const actor = loadActor(deps.stores, actorKey);
    const current = rentalContext(actor)!;
    if (actor.done) break;
    const knownInstructions = current.instructionsHandled && current.instructions?.trim() === message.content.trim();
    // A rental the host never saw requested whose first chat message is the renter's, written
    // the moment the rental started: an auto-start (or queue-confirm) rental's pre-loaded
    // instructions (§4.3). A direct rental's first message comes later, typed by a person, and
    // is answered as a message.
    const opening =
      index === 0 &&
      actor.snapshot.value === 'requested' &&
      message.sender_id === current.renterId &&
      writtenAtStart(message.created_at, current.startedAt ?? null);
    if (knownInstructions || opening) {
      deps.stores.db.transaction(() => {
        deps.stores.messages.add({
          actorKey,
          role: 'user',
          author: '',
          authorId: message.sender_id,
          externalId: message.id,
          content: message.content,
          eventTime: toEpochMicros(message.created_at),
        });
        if (opening && !knownInstructions) {
          applyActorEvent(deps, actorKey, { type: 'rental.request', renterId: current.renterId!, instructions: message.content });
        }
      })();
      if (opening && !knownInstructions) {
        outcome.startedOnInstructions = true;
        log.info({ messageId: message.id }, 'found pre-loaded instructions as the first chat message; starting on them');
      }
      continue;
    }
    const envelope = {
      event: 'rental_message',
      data: {
        id: randomUUID(),
        user_id: bot.profileId,
        type: 'rental_message',
        title: 'Rental message recovered from the transcript',
        body: message.content.slice(0, 200),
        link: `/rentals/${context.rentalId}/chat`,
        data: { content: message.content, rental_id: context.rentalId, sender_id: message.sender_id, message_id: message.id },
        created_at: message.created_at,
      },
      timestamp: isoNow(deps.clock),
    };
    const accepted = { ...classifyWebhook(envelope, bot), dedupeKey: `transcript:${message.id}` };
    if (storeWebhook(deps.stores, bot, accepted, JSON.stringify(envelope), isoNow(deps.clock), 'recovered from the rental transcript')) {
      outcome.recovered++;
      log.info({ messageId: message.id }, 'a rental message never arrived as a webhook; handling it from the transcript');
    }
  }
  return outcome;
}
