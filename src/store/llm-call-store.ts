/** Tokens and cost of every model call, summed per rental (actor) and per bot per UTC day. */
import type { LlmCostRecord } from '../context/costs.js';
import type { Db } from './open-database.js';

export function createLlmCallStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO llm_calls (bot_id, actor_key, model, prompt_tokens, completion_tokens, cost_usd, priced, day, at)
     VALUES (@botId, @actorKey, @model, @promptTokens, @completionTokens, @costUsd, @priced, @day, @at)`,
  );
  const sumActor = db.prepare(
    `SELECT count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS promptTokens, coalesce(sum(completion_tokens), 0) AS completionTokens,
            coalesce(sum(cost_usd), 0) AS costUsd FROM llm_calls WHERE actor_key = ?`,
  );
  const sumBotDay = db.prepare(
    `SELECT count(*) AS calls, coalesce(sum(prompt_tokens), 0) AS promptTokens, coalesce(sum(completion_tokens), 0) AS completionTokens,
            coalesce(sum(cost_usd), 0) AS costUsd FROM llm_calls WHERE bot_id = ? AND day = ?`,
  );
  type Totals = { calls: number; promptTokens: number; completionTokens: number; costUsd: number };
  return {
    add(record: LlmCostRecord): void {
      insert.run({ ...record, priced: record.priced ? 1 : 0, day: record.at.slice(0, 10) });
    },
    forActor(actorKey: string): Totals {
      return sumActor.get(actorKey) as Totals;
    },
    forBotDay(botId: string, day: string): Totals {
      return sumBotDay.get(botId, day) as Totals;
    },
  };
}
export type LlmCallStore = ReturnType<typeof createLlmCallStore>;

export function createNoticeStore(db: Db) {
  const insert = db.prepare(`INSERT INTO notices (actor_key, kind, at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`);
  const has = db.prepare(`SELECT 1 FROM notices WHERE actor_key = ? AND kind = ?`);
  const getPaused = db.prepare(`SELECT paused FROM bot_state WHERE bot_id = ?`);
  const setPaused = db.prepare(
    `INSERT INTO bot_state (bot_id, paused, updated_at) VALUES (?, ?, ?) ON CONFLICT (bot_id) DO UPDATE SET paused = excluded.paused, updated_at = excluded.updated_at`,
  );
  return {
    /** Records the notice; false when it was already given. */
    once(actorKey: string, kind: string, at: string): boolean {
      return insert.run(actorKey, kind, at).changes === 1;
    },
    given(actorKey: string, kind: string): boolean {
      return has.get(actorKey, kind) !== undefined;
    },
    paused(botId: string): boolean {
      return ((getPaused.get(botId) as { paused: number } | undefined)?.paused ?? 0) === 1;
    },
    setPaused(botId: string, paused: boolean, at: string): void {
      setPaused.run(botId, paused ? 1 : 0, at);
    },
  };
}
export type NoticeStore = ReturnType<typeof createNoticeStore>;
