/**
 * Hands an actor its next stored webhook, oldest `data.created_at` first. Synchronous and in
 * one transaction with the actor's step, so an event is marked processed exactly when its
 * effects are stored.
 */
import { routeInboxEvent } from '../actors/route-inbox-event.js';
import { isoNow } from '../time.js';
import { applyActorEvent } from './apply-actor-event.js';
import type { ActorCore } from './runtime-deps.js';

export type ProcessOutcome = { kind: 'none' } | { kind: 'processed'; turnsStarted: number; cancelled: boolean };

export function processNextInboxEvent(core: ActorCore, actorKey: string): ProcessOutcome {
  const { stores, clock, log } = core;
  return stores.db.transaction((): ProcessOutcome => {
    const row = stores.inbox.nextPending(actorKey);
    if (!row) return { kind: 'none' };
    const at = isoNow(clock);
    const finish = (status: 'done' | 'ignored', note: string | null) => {
      stores.inbox.finish(row.seq, status, note, at);
      log.info({ seq: row.seq, event: row.event, actorKey, status, note }, `webhook ${status}`);
    };

    const routed = routeInboxEvent(row.body);
    if (!routed) {
      finish('ignored', 'no actor acts on this event');
      return { kind: 'processed', turnsStarted: 0, cancelled: false };
    }
    const existing = stores.actors.get(actorKey);
    if (existing?.done) {
      finish('ignored', 'the actor has ended');
      return { kind: 'processed', turnsStarted: 0, cancelled: false };
    }
    let messageRowId: number | null = null;
    if (routed.message) {
      messageRowId = stores.messages.add({ actorKey, role: 'user', ...routed.message });
      if (messageRowId === null) {
        finish('ignored', 'this message id was already handled');
        return { kind: 'processed', turnsStarted: 0, cancelled: false };
      }
    }
    const result = applyActorEvent(core, actorKey, routed.toEvent(messageRowId));
    finish(result.accepted ? 'done' : 'ignored', result.accepted ? null : 'the actor has ended');
    return { kind: 'processed', turnsStarted: result.turnsStarted, cancelled: result.cancelled };
  })();
}
