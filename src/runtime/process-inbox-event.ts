/**
 * Hands an actor its next stored webhook, oldest `data.created_at` first. Synchronous and in
 * one transaction with the actor's step, so an event is marked processed exactly when its
 * effects are stored. Events other than chat (follows, sales, post replies…) and DMs first go
 * through the bot's event policy: ignored, logged, or answered by the bot's events actor.
 */
import Database from 'better-sqlite3';
import { settledBy } from '../ingress/settle-at-ingest.js';
import { eventsActorKey, parseActorKey } from '../actors/actor-keys.js';
import { routeInboxEvent } from '../actors/route-inbox-event.js';
import { resolveEventAction, type EventAction } from '../agent/event-policies.js';
import type { InboxRow } from '../store/inbox-store.js';
import { isoNow } from '../time.js';
import { applyActorEvent } from './apply-actor-event.js';
import type { RuntimeDeps } from './runtime-deps.js';

export type ProcessOutcome =
  | { kind: 'none' }
  /** `turnsFor`: the actor that got new turns (an event can be answered by the bot's events actor). */
  | { kind: 'processed'; turnsStarted: number; turnsFor: string; cancelled: boolean };

export interface BatchLimits {
  /** At most this many events in one transaction. */
  maxEvents: number;
  /** Stop taking more events once the batch has run this long, so webhooks are not kept waiting. */
  maxMs: number;
}

export const DEFAULT_BATCH: BatchLimits = { maxEvents: 64, maxMs: 4 };

/**
 * Processes an actor's stored events, oldest first, several in one transaction: one commit (one
 * fsync with synchronous=FULL) for the batch instead of one per event. Each event still runs in
 * its own savepoint, so one event's failure is set aside without undoing the others; a database
 * error on an event ends the batch before it (the events already done commit), and the event is
 * tried again on its own. The batch is bounded in
 * events and in time, and the caller yields to the event loop between batches, so a backlog of
 * thousands never keeps the webhook route from answering.
 *
 * Returns the actors that got new turns (kick them after this returns: the batch has committed).
 */
export function processInboxBatch(deps: RuntimeDeps, actorKey: string, limits: BatchLimits = DEFAULT_BATCH): { processed: number; turnsFor: Set<string> } {
  const started = performance.now();
  return deps.stores.db.transaction(() => {
    const turnsFor = new Set<string>();
    let processed = 0;
    while (processed < limits.maxEvents && (processed === 0 || performance.now() - started < limits.maxMs)) {
      let outcome: ProcessOutcome;
      try {
        outcome = processNextInboxEvent(deps, actorKey);
      } catch (err) {
        // A database error on a later event must not undo the ones before it: they commit, and
        // the failing event is tried again on its own (and fails the step there).
        if (processed === 0) throw err;
        break;
      }
      if (outcome.kind === 'none') break;
      processed += 1;
      if (outcome.turnsStarted > 0) turnsFor.add(outcome.turnsFor);
    }
    return { processed, turnsFor };
  })();
}

export function processNextInboxEvent(deps: RuntimeDeps, actorKey: string): ProcessOutcome {
  try {
    return processNext(deps, actorKey);
  } catch (err) {
    // The database failing is worth retrying; anything else is this event's own problem, and it
    // must not block every later event of the actor: it is set aside, loudly.
    if (err instanceof Database.SqliteError) throw err;
    const row = deps.stores.inbox.nextPending(actorKey);
    if (!row) throw err;
    deps.stores.inbox.finish(row.seq, 'ignored', `could not be processed: ${err instanceof Error ? err.message : String(err)}`, isoNow(deps.clock));
    deps.log.error({ err, seq: row.seq, event: row.event, actorKey }, 'an event could not be processed; set aside so the events after it go on');
    return { kind: 'processed', turnsStarted: 0, turnsFor: actorKey, cancelled: false };
  }
}

function processNext(deps: RuntimeDeps, actorKey: string): ProcessOutcome {
  const { stores, clock, log } = deps;
  return stores.db.transaction((): ProcessOutcome => {
    const row = stores.inbox.nextPending(actorKey);
    if (!row) return { kind: 'none' };
    const at = isoNow(clock);
    const finish = (status: 'done' | 'ignored', note: string | null, turnsStarted = 0, turnsFor = actorKey): ProcessOutcome => {
      stores.inbox.finish(row.seq, status, note, at);
      // The route logged the event as stored; its being processed is detail unless it was set aside.
      log[status === 'done' ? 'debug' : 'info']({ seq: row.seq, event: row.event, actorKey, status, note }, `webhook ${status}`);
      return { kind: 'processed', turnsStarted, turnsFor, cancelled: false };
    };

    const policy = eventPolicy(deps, row);
    if (policy) {
      const { action, paused } = policy;
      // Settled at ingest as a rule; here for rows stored before, or by an older host.
      const settled = settledBy(action);
      if (settled) {
        if (settled.logged) log.info({ bot: row.bot_id, event: row.event, fields: settled.logged.fields }, `event logged: ${settled.logged.reason}`);
        return finish('done', settled.note);
      }
      if (paused) return finish('ignored', 'the owner paused the bot (say "resume" in the owner chat)');
      if (action.kind !== 'llm' || row.event !== 'new_message') {
        const target = eventsActorKey(row.bot_id);
        const result = applyActorEvent(deps, target, { type: 'event.received', inboxSeq: row.seq });
        return finish('done', `policy ${action.kind}`, result.turnsStarted, target);
      }
    }

    const routed = routeInboxEvent(row.body);
    if (!routed) return finish('ignored', 'no actor acts on this event');
    if (stores.actors.get(actorKey)?.done) return finish('ignored', 'the actor has ended');
    let messageRowId: number | null = null;
    if (routed.message) {
      messageRowId = stores.messages.add({ actorKey, role: 'user', ...routed.message });
      if (messageRowId === null) return finish('ignored', 'this message id was already handled');
    }
    const result = applyActorEvent(deps, actorKey, routed.toEvent(messageRowId));
    if (!result.accepted) return finish('ignored', 'the actor has ended');
    stores.inbox.finish(row.seq, 'done', null, at);
    log.debug({ seq: row.seq, event: row.event, actorKey, status: 'done' }, 'webhook done');
    return { kind: 'processed', turnsStarted: result.turnsStarted, turnsFor: actorKey, cancelled: result.cancelled };
  })();
}

/** The policy for DMs and the bot's other events; null for rental and owner-chat events. */
function eventPolicy(deps: RuntimeDeps, row: InboxRow): { action: EventAction; paused: boolean } | null {
  const kind = parseActorKey(actorKeyOf(row)).kind;
  if (kind !== 'events' && kind !== 'dm') return null;
  const bot = deps.bots.byId(row.bot_id);
  const fields = (JSON.parse(row.body) as { data?: { data?: unknown } }).data?.data ?? {};
  const action = resolveEventAction(row.event, fields, bot?.events ?? {});
  if (action.kind === 'actor') return null;
  return { action, paused: deps.stores.notices.paused(row.bot_id) };
}

function actorKeyOf(row: InboxRow): string {
  return row.actor_key ?? eventsActorKey(row.bot_id);
}
