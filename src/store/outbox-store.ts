/** Every post the host makes itself (replies, progress, event answers) is a row here before the HTTP call is made. */
import type { Db } from './open-database.js';
import type { PostMatch } from './tool-call-journal-store.js';

export interface OutboxRow {
  id: number;
  actor_key: string;
  bot_id: string;
  turn_id: number | null;
  part: number;
  method: string;
  path: string;
  body: string;
  status: 'pending' | 'sending' | 'sent' | 'cancelled' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

export function createOutboxStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO outbox (actor_key, bot_id, turn_id, part, method, path, body, status, created_at)
     VALUES (@actorKey, @botId, @turnId, @part, @method, @path, @body, 'pending', @at)`,
  );
  const next = db.prepare(`SELECT * FROM outbox WHERE actor_key = ? AND status IN ('pending', 'sending') ORDER BY id LIMIT 1`);
  const markSending = db.prepare(`UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?`);
  const markSent = db.prepare(`UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?`);
  const markRetry = db.prepare(`UPDATE outbox SET status = 'pending', next_attempt_at = ?, last_error = ? WHERE id = ?`);
  const markFailed = db.prepare(`UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?`);
  const cancelForActor = db.prepare(
    `UPDATE outbox SET status = 'cancelled', last_error = ? WHERE actor_key = ? AND status IN ('pending', 'sending')`,
  );
  const countSent = db.prepare(`SELECT count(*) AS n FROM outbox WHERE actor_key = ? AND status = 'sent' AND body = ?`);
  const openActors = db.prepare(`SELECT DISTINCT actor_key FROM outbox WHERE status IN ('pending', 'sending')`);
  const forTurnWithBody = db.prepare(`SELECT 1 FROM outbox WHERE turn_id = ? AND body = ? LIMIT 1`);
  const countSentLike = db.prepare(
    `SELECT count(*) AS n FROM outbox
     WHERE bot_id = @botId AND path = @path AND status = 'sent'
       AND json_extract(body, '$.content') = @content
       AND coalesce(json_extract(body, '$.to_id'), '') = @toId
       AND coalesce(json_extract(body, '$.parent_id'), '') = @parentId`,
  );
  return {
    add(row: { actorKey: string; botId: string; turnId: number | null; part: number; method: string; path: string; body: unknown; at: string }): void {
      insert.run({ ...row, body: JSON.stringify(row.body) });
    },
    next(actorKey: string): OutboxRow | undefined {
      return next.get(actorKey) as OutboxRow | undefined;
    },
    markSending(id: number): void {
      markSending.run(id);
    },
    markSent(id: number, at: string): void {
      markSent.run(at, id);
    },
    markRetry(id: number, nextAttemptAt: number, error: string): void {
      markRetry.run(nextAttemptAt, error, id);
    },
    markFailed(id: number, error: string): void {
      markFailed.run(error, id);
    },
    cancelForActor(actorKey: string, reason: string): number {
      return cancelForActor.run(reason, actorKey).changes;
    },
    countSentWithContent(actorKey: string, body: string): number {
      return (countSent.get(actorKey, body) as { n: number }).n;
    },
    /** Whether this turn already has a post with exactly this body (a progress post made before the turn was redone). */
    hasForTurn(turnId: number, body: unknown): boolean {
      return forTurnWithBody.get(turnId, JSON.stringify(body)) !== undefined;
    },
    /** Sent posts of this text to this place, across the bot's actors (what a tool's write is told apart from). */
    countSentLike(match: PostMatch): number {
      return (countSentLike.get({ botId: match.botId, path: match.path, content: match.content, toId: match.toId ?? '', parentId: match.parentId ?? '' }) as { n: number }).n;
    },
    actorsWithOpenPosts(): string[] {
      return (openActors.all() as { actor_key: string }[]).map((row) => row.actor_key);
    },
  };
}
export type OutboxStore = ReturnType<typeof createOutboxStore>;
