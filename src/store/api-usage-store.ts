/**
 * Counts Bearer calls per bot per UTC day, as the platform does against the owner's daily cap.
 *
 * A count is taken before every platform call, so writing each one at once would put a
 * synchronous commit (an fsync with synchronous=FULL) in front of every call a turn makes.
 * Counts are kept in memory and written together at most FLUSH_MS later, and at shutdown;
 * `today` adds what is not written yet. A crash loses at most the last second's counts, which
 * the reconciler's margin below the cap absorbs.
 */
import type { Db } from './open-database.js';

export const FLUSH_MS = 1000;

export function createApiUsageStore(db: Db) {
  const bump = db.prepare(
    `INSERT INTO api_usage (bot_id, day, calls) VALUES (?, ?, ?) ON CONFLICT (bot_id, day) DO UPDATE SET calls = calls + excluded.calls`,
  );
  const get = db.prepare(`SELECT calls FROM api_usage WHERE bot_id = ? AND day = ?`);
  const all = db.prepare(`SELECT bot_id, calls FROM api_usage WHERE day = ?`);
  /** Counts not written yet, by bot and day. */
  let unwritten = new Map<string, Map<string, number>>();
  let timer: NodeJS.Timeout | undefined;
  const writeAll = db.transaction((counts: Map<string, Map<string, number>>) => {
    for (const [botId, days] of counts) for (const [day, calls] of days) bump.run(botId, day, calls);
  });

  const unwrittenFor = (botId: string, day: string) => unwritten.get(botId)?.get(day) ?? 0;

  const add = (botId: string, day: string, calls: number): void => {
    let days = unwritten.get(botId);
    if (!days) unwritten.set(botId, (days = new Map()));
    days.set(day, (days.get(day) ?? 0) + calls);
    if (!timer) {
      timer = setTimeout(() => store.flush(), FLUSH_MS);
      timer.unref();
    }
  };

  const store = {
    count(botId: string, nowMs: number): void {
      add(botId, utcDay(nowMs), 1);
    },
    /** Writes the counts kept in memory; kept for the next try when the database refuses. */
    flush(): void {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (unwritten.size === 0 || !db.open) return;
      const counts = unwritten;
      unwritten = new Map();
      try {
        writeAll(counts);
      } catch {
        // Kept for the next try (a locked or full disk): the timer is armed again.
        for (const [botId, days] of counts) for (const [day, calls] of days) add(botId, day, calls);
      }
    },
    today(botId: string, nowMs: number): number {
      const day = utcDay(nowMs);
      return ((get.get(botId, day) as { calls: number } | undefined)?.calls ?? 0) + unwrittenFor(botId, day);
    },
    allToday(nowMs: number): Record<string, number> {
      const day = utcDay(nowMs);
      const counts: Record<string, number> = Object.fromEntries((all.all(day) as { bot_id: string; calls: number }[]).map((row) => [row.bot_id, row.calls]));
      for (const [botId, days] of unwritten) if (days.has(day)) counts[botId] = (counts[botId] ?? 0) + days.get(day)!;
      return counts;
    },
  };
  return store;
}
export type ApiUsageStore = ReturnType<typeof createApiUsageStore>;

export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}
