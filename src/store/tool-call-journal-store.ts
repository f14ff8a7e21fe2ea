/**
 * The journal of a turn's tool calls that change something (a DM, a feed post, an order update, a
 * progress post), and of the platform writes each one made. A call is written here before it
 * runs and completed with its result after, so a turn redone after a crash answers it from here;
 * a call found still 'started' was interrupted, and its writes say what may have reached the
 * platform (runtime/journal-tool-calls.ts decides what to do with it).
 */
import type { Db } from './open-database.js';

export interface ToolCallRow {
  id: number;
  turn_id: number;
  bot_id: string;
  tool: string;
  args: string;
  status: 'started' | 'done';
  /** JSON, once done: `{ ok: true, value }` or `{ ok: false, error }`. */
  result: string | null;
}

export type WriteOutcome = 'sending' | 'accepted' | 'refused' | 'absent';

export interface ToolCallWriteRow {
  id: number;
  call_id: number;
  method: string;
  path: string;
  body: string;
  outcome: WriteOutcome;
  status: number | null;
}

/** Where a post lands and what it says: what counting copies on the platform compares. */
export interface PostMatch {
  botId: string;
  path: string;
  content: string;
  toId?: string | undefined;
  parentId?: string | undefined;
}

export function createToolCallJournalStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO tool_calls (turn_id, bot_id, tool, args, status, started_at) VALUES (?, ?, ?, ?, 'started', ?)
     ON CONFLICT (turn_id, tool, args) DO NOTHING`,
  );
  const find = db.prepare(`SELECT * FROM tool_calls WHERE turn_id = ? AND tool = ? AND args = ?`);
  const finish = db.prepare(`UPDATE tool_calls SET status = 'done', result = ?, finished_at = ? WHERE id = ?`);
  const forTurn = db.prepare(`SELECT * FROM tool_calls WHERE turn_id = ? ORDER BY id`);
  const insertWrite = db.prepare(
    `INSERT INTO tool_call_writes (call_id, bot_id, method, path, body, outcome, created_at) VALUES (?, ?, ?, ?, ?, 'sending', ?)`,
  );
  const settleWrite = db.prepare(`UPDATE tool_call_writes SET outcome = ?, status = coalesce(?, status) WHERE id = ?`);
  const writesOf = db.prepare(`SELECT * FROM tool_call_writes WHERE call_id = ? ORDER BY id`);
  const countAccepted = db.prepare(
    `SELECT count(*) AS n FROM tool_call_writes
     WHERE bot_id = @botId AND path = @path AND outcome = 'accepted' AND id != @exceptId
       AND json_extract(body, '$.content') = @content
       AND coalesce(json_extract(body, '$.to_id'), '') = @toId
       AND coalesce(json_extract(body, '$.parent_id'), '') = @parentId`,
  );
  return {
    /** The call's row, inserted as 'started' unless this turn already made this exact call (`isNew` false: a redone turn). */
    begin(call: { turnId: number; botId: string; tool: string; args: string; at: string }): { row: ToolCallRow; isNew: boolean } {
      const isNew = insert.run(call.turnId, call.botId, call.tool, call.args, call.at).changes === 1;
      return { row: find.get(call.turnId, call.tool, call.args) as ToolCallRow, isNew };
    },
    finish(id: number, result: unknown, at: string): void {
      finish.run(JSON.stringify(result), at, id);
    },
    forTurn(turnId: number): ToolCallRow[] {
      return forTurn.all(turnId) as ToolCallRow[];
    },
    /** Recorded before the request goes out, so a crash during it leaves a trace. */
    addWrite(write: { callId: number; botId: string; method: string; path: string; body: unknown; at: string }): number {
      return Number(insertWrite.run(write.callId, write.botId, write.method, write.path, JSON.stringify(write.body ?? null), write.at).lastInsertRowid);
    },
    settleWrite(id: number, outcome: Exclude<WriteOutcome, 'sending'>, status?: number): void {
      settleWrite.run(outcome, status ?? null, id);
    },
    writesOf(callId: number): ToolCallWriteRow[] {
      return writesOf.all(callId) as ToolCallWriteRow[];
    },
    /** Writes of this text to this place the platform accepted (besides `exceptId`): copies the host knows it made. */
    countAccepted(match: PostMatch, exceptId = 0): number {
      return (
        countAccepted.get({ botId: match.botId, path: match.path, content: match.content, toId: match.toId ?? '', parentId: match.parentId ?? '', exceptId }) as {
          n: number;
        }
      ).n;
    },
  };
}
export type ToolCallJournalStore = ReturnType<typeof createToolCallJournalStore>;
