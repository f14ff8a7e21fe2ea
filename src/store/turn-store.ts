/** LLM turns that actors asked for; a turn stays pending until its reply is in the outbox. */
import type { Db } from './open-database.js';
import type { TurnKind } from '../actors/rental-machine.js';

export interface TurnRow {
  id: number;
  actor_key: string;
  bot_id: string;
  kind: TurnKind;
  message_id: number | null;
  status: 'pending' | 'done' | 'cancelled';
  attempts: number;
  inbox_seq: number | null;
  merged_into: number | null;
}

export function createTurnStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO turns (actor_key, bot_id, kind, message_id, inbox_seq, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
  );
  const next = db.prepare(`SELECT * FROM turns WHERE actor_key = ? AND status = 'pending' ORDER BY id LIMIT 1`);
  const get = db.prepare(`SELECT * FROM turns WHERE id = ?`);
  const start = db.prepare(`UPDATE turns SET attempts = attempts + 1 WHERE id = ?`);
  const setAttempts = db.prepare(`UPDATE turns SET attempts = ? WHERE id = ? AND status = 'pending'`);
  const finish = db.prepare(`UPDATE turns SET status = ?, note = ?, finished_at = ? WHERE id = ? AND status = 'pending'`);
  const cancelForActor = db.prepare(
    `UPDATE turns SET status = 'cancelled', note = ?, finished_at = ? WHERE actor_key = ? AND status = 'pending'`,
  );
  const pendingActors = db.prepare(`SELECT DISTINCT actor_key FROM turns WHERE status = 'pending'`);
  const laterReplies = db.prepare(`SELECT * FROM turns WHERE actor_key = ? AND status = 'pending' AND kind = 'reply' AND id > ? ORDER BY id`);
  const merge = db.prepare(`UPDATE turns SET status = 'done', merged_into = ?, note = ?, finished_at = ? WHERE id = ? AND status = 'pending'`);
  const countKind = db.prepare(`SELECT count(*) AS n FROM turns WHERE actor_key = ? AND kind = ? AND status = 'done'`);
  const hasPending = db.prepare(`SELECT 1 FROM turns WHERE actor_key = ? AND status = 'pending' AND id != ?`);
  return {
    add(turn: { actorKey: string; botId: string; kind: TurnKind; messageId: number | null; inboxSeq?: number | null; at: string }): number {
      return Number(insert.run(turn.actorKey, turn.botId, turn.kind, turn.messageId, turn.inboxSeq ?? null, turn.at).lastInsertRowid);
    },
    /** Pending reply turns after this one: the messages that arrived while it waited or ran. */
    laterReplies(actorKey: string, afterId: number): TurnRow[] {
      return laterReplies.all(actorKey, afterId) as TurnRow[];
    },
    mergeInto(id: number, into: number, at: string): boolean {
      return merge.run(into, `merged into turn ${into}`, at, id).changes === 1;
    },
    countKind(actorKey: string, kind: TurnKind): number {
      return (countKind.get(actorKey, kind) as { n: number }).n;
    },
    hasPending(actorKey: string, exceptId: number): boolean {
      return hasPending.get(actorKey, exceptId) !== undefined;
    },
    next(actorKey: string): TurnRow | undefined {
      return next.get(actorKey) as TurnRow | undefined;
    },
    get(id: number): TurnRow | undefined {
      return get.get(id) as TurnRow | undefined;
    },
    markStarted(id: number): void {
      start.run(id);
    },
    /** Puts back the count a turn had before a run that a clean shutdown stopped: that run was no attempt. */
    restoreAttempts(id: number, attempts: number): void {
      setAttempts.run(attempts, id);
    },
    finish(id: number, status: 'done' | 'cancelled', note: string | null, at: string): boolean {
      return finish.run(status, note, at, id).changes === 1;
    },
    cancelForActor(actorKey: string, note: string, at: string): number {
      return cancelForActor.run(note, at, actorKey).changes;
    },
    actorsWithPendingTurns(): string[] {
      return (pendingActors.all() as { actor_key: string }[]).map((row) => row.actor_key);
    },
  };
}
export type TurnStore = ReturnType<typeof createTurnStore>;
