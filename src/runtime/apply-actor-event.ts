/**
 * The one place an actor changes state. In a single SQLite transaction: load the actor from
 * its snapshot, step it with the event, carry out its effects (new turns, cancelled work,
 * re-armed clock) and store the new snapshot — so a crash leaves all of it or none of it.
 */
import { restoreActor, startActor, stepActor, type ActorState, type PersistedActor } from '../actors/actor-logic.js';
import type { RentalContext } from '../actors/rental-machine.js';
import type { ActorEvent } from '../actors/route-inbox-event.js';
import type { TimerKind } from '../store/timer-store.js';
import { isoNow } from '../time.js';
import type { ActorCore } from './runtime-deps.js';
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

export function rentalContext(actor: ActorState): RentalContext | undefined {
  return actor.kind === 'rental' ? (actor.snapshot.context as unknown as RentalContext) : undefined;
}

/** Must run inside a transaction (the caller's). */
export function applyActorEvent(core: ActorCore, actorKey: string, event: ActorEvent): ApplyResult {
  const { stores, clock } = core;
  const actor = loadActor(stores, actorKey);
  if (actor.done) return { accepted: false, actor, turnsStarted: 0, cancelled: false };
  const at = isoNow(clock);
  const { next, effects } = stepActor(actor, event);
  let turnsStarted = 0;
  let cancelled = false;
  for (const effect of effects) {
    if (effect.type === 'startTurn') {
      stores.turns.add({
        actorKey,
        botId: actor.botId,
        kind: effect.params.kind,
        messageId: effect.params.messageRowId,
        inboxSeq: effect.params.inboxSeq ?? null,
        at,
      });
      turnsStarted++;
    } else {
      const reason = `actor ended: ${String(next.snapshot.context.endedReason ?? 'ended')}`;
      stores.turns.cancelForActor(actorKey, reason, at);
      stores.outbox.cancelForActor(actorKey, reason);
      stores.timers.cancelForActor(actorKey);
      cancelled = true;
    }
  }
  if (!next.done) rearmRentalClock(core, actorKey, rentalContext(actor), next, at);
  stores.actors.put({ actorKey, botId: actor.botId, kind: actor.kind, snapshot: next.snapshot, done: next.done, at });
  return { accepted: true, actor: next, turnsStarted, cancelled };
}

/** When expires_at is learnt or moves (an extension), the warning and the end are re-armed. */
function rearmRentalClock(core: ActorCore, actorKey: string, before: RentalContext | undefined, after: ActorState, at: string): void {
  const context = rentalContext(after);
  if (!context?.expiresAt || context.expiresAt === before?.expiresAt) return;
  const expiresAt = Date.parse(context.expiresAt);
  const timers: { kind: TimerKind; dueAt: number }[] = [{ kind: 'expire', dueAt: expiresAt }];
  if (after.snapshot.value !== 'ending_soon') timers.unshift({ kind: 'warn', dueAt: expiresAt - core.settings.rentalWarningMs });
  core.stores.timers.arm(actorKey, timers, at);
}
