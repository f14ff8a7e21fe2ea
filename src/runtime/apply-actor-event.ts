/**
 * The one place an actor changes state. In a single SQLite transaction: load the actor from
 * its snapshot, step it with the event, carry out its effects (new turns, cancelled work) and
 * store the new snapshot — so a crash leaves either all of it or none of it.
 */
import { restoreActor, startActor, stepActor, type ActorState, type PersistedActor } from '../actors/actor-logic.js';
import type { ActorEvent } from '../actors/route-inbox-event.js';
import type { Clock } from '../time.js';
import { isoNow } from '../time.js';
import type { Stores } from './stores.js';

export interface ApplyResult {
  /** False when the actor had already ended and ignored the event. */
  accepted: boolean;
  actor: ActorState;
  turnsStarted: number;
  cancelled: boolean;
}

export function loadActor(stores: Stores, actorKey: string): ActorState {
  const row = stores.actors.get(actorKey);
  return row ? restoreActor(actorKey, JSON.parse(row.snapshot) as PersistedActor) : startActor(actorKey);
}

/** Must run inside a transaction (the caller's). */
export function applyActorEvent(stores: Stores, clock: Clock, actorKey: string, event: ActorEvent): ApplyResult {
  const actor = loadActor(stores, actorKey);
  if (actor.done) return { accepted: false, actor, turnsStarted: 0, cancelled: false };
  const at = isoNow(clock);
  const { next, effects } = stepActor(actor, event);
  let turnsStarted = 0;
  let cancelled = false;
  for (const effect of effects) {
    if (effect.type === 'startTurn') {
      stores.turns.add({ actorKey, botId: actor.botId, kind: effect.params.kind, messageId: effect.params.messageRowId, at });
      turnsStarted++;
    } else {
      const reason = `actor ended: ${String(next.snapshot.context.endedReason ?? 'ended')}`;
      stores.turns.cancelForActor(actorKey, reason, at);
      stores.outbox.cancelForActor(actorKey, reason);
      cancelled = true;
    }
  }
  stores.actors.put({ actorKey, botId: actor.botId, kind: actor.kind, snapshot: next.snapshot, done: next.done, at });
  return { accepted: true, actor: next, turnsStarted, cancelled };
}
