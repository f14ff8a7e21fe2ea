/** Counts Bearer calls per bot per UTC day, as the platform does against the owner's daily cap. */
import type { Db } from './open-database.js';

export function createApiUsageStore(db: Db) {
  const bump = db.prepare(
    `INSERT INTO api_usage (bot_id, day, calls) VALUES (?, ?, 1) ON CONFLICT (bot_id, day) DO UPDATE SET calls = calls + 1`,
  );
  const get = db.prepare(`SELECT calls FROM api_usage WHERE bot_id = ? AND day = ?`);
  const all = db.prepare(`SELECT bot_id, calls FROM api_usage WHERE day = ?`);
  return {
    count(botId: string, nowMs: number): void {
      bump.run(botId, utcDay(nowMs));
    },
    today(botId: string, nowMs: number): number {
      return (get.get(botId, utcDay(nowMs)) as { calls: number } | undefined)?.calls ?? 0;
    },
    allToday(nowMs: number): Record<string, number> {
      return Object.fromEntries((all.all(utcDay(nowMs)) as { bot_id: string; calls: number }[]).map((row) => [row.bot_id, row.calls]));
    },
  };
}
export type ApiUsageStore = ReturnType<typeof createApiUsageStore>;

export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
