/** Durable timers: a rental's warning and end, as rows the host re-arms from at every start. */
import type { Db } from './open-database.js';

export type TimerKind = 'warn' | 'expire';

export interface TimerRow {
  id: number;
  actor_key: string;
  kind: TimerKind;
  due_at: number;
  status: 'pending' | 'fired' | 'cancelled';
}

export function createTimerStore(db: Db) {
  const insert = db.prepare(`INSERT INTO timers (actor_key, kind, due_at, status, created_at) VALUES (?, ?, ?, 'pending', ?)`);
  const cancelForActor = db.prepare(`UPDATE timers SET status = 'cancelled' WHERE actor_key = ? AND status = 'pending'`);
  const due = db.prepare(`SELECT * FROM timers WHERE status = 'pending' AND due_at <= ? ORDER BY due_at LIMIT ?`);
  const pendingFor = db.prepare(`SELECT * FROM timers WHERE actor_key = ? AND status = 'pending' ORDER BY due_at`);
  const get = db.prepare(`SELECT * FROM timers WHERE id = ?`);
  const finish = db.prepare(`UPDATE timers SET status = ? WHERE id = ? AND status = 'pending'`);
  return {
    /** Replaces the actor's pending timers. */
    arm(actorKey: string, timers: { kind: TimerKind; dueAt: number }[], at: string): void {
      cancelForActor.run(actorKey);
      for (const timer of timers) insert.run(actorKey, timer.kind, timer.dueAt, at);
    },
    cancelForActor(actorKey: string): void {
      cancelForActor.run(actorKey);
    },
    due(nowMs: number, limit = 100): TimerRow[] {
      return due.all(nowMs, limit) as TimerRow[];
    },
    pendingFor(actorKey: string): TimerRow[] {
      return pendingFor.all(actorKey) as TimerRow[];
    },
    get(id: number): TimerRow | undefined {
      return get.get(id) as TimerRow | undefined;
    },
    finish(id: number, status: 'fired' | 'cancelled'): boolean {
      return finish.run(status, id).changes === 1;
    },
  };
}
export type TimerStore = ReturnType<typeof createTimerStore>;
