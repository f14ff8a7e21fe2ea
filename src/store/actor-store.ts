/** Persisted actor snapshots: an actor comes back from here when it is next needed. */
import type { Db } from './open-database.js';

export interface ActorRow {
  actor_key: string;
  bot_id: string;
  kind: string;
  snapshot: string;
  done: number;
}

export function createActorStore(db: Db) {
  const get = db.prepare(`SELECT * FROM actors WHERE actor_key = ?`);
  const put = db.prepare(
    `INSERT INTO actors (actor_key, bot_id, kind, snapshot, done, updated_at) VALUES (@actorKey, @botId, @kind, @snapshot, @done, @at)
     ON CONFLICT (actor_key) DO UPDATE SET snapshot = excluded.snapshot, done = excluded.done, updated_at = excluded.updated_at`,
  );
  const rentalsOfBot = db.prepare(
    `SELECT actor_key, done, updated_at FROM actors WHERE bot_id = ? AND kind = 'rental' AND (done = 0 OR updated_at >= ?)`,
  );
  return {
    /** The bot's live rental actors, plus those that ended at or after `endedSince` (ISO time). */
    rentalsOf(botId: string, endedSince: string): { actor_key: string; done: number }[] {
      return rentalsOfBot.all(botId, endedSince) as { actor_key: string; done: number }[];
    },
    get(actorKey: string): ActorRow | undefined {
      return get.get(actorKey) as ActorRow | undefined;
    },
    put(row: { actorKey: string; botId: string; kind: string; snapshot: unknown; done: boolean; at: string }): void {
      put.run({ ...row, snapshot: JSON.stringify(row.snapshot), done: row.done ? 1 : 0 });
    },
  };
}
export type ActorStore = ReturnType<typeof createActorStore>;
