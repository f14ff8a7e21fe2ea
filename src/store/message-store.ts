/** The transcript each actor shows the model: incoming messages and the bot's replies. */
import type { Db } from './open-database.js';

export interface MessageRow {
  id: number;
  actor_key: string;
  role: 'user' | 'assistant';
  author: string;
  author_id: string | null;
  external_id: string | null;
  content: string;
  event_time: number;
  reply_to: number | null;
}

export function createMessageStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO messages (actor_key, role, author, author_id, external_id, content, event_time, reply_to)
     VALUES (@actorKey, @role, @author, @authorId, @externalId, @content, @eventTime, @replyTo)
     ON CONFLICT (actor_key, external_id) DO NOTHING`,
  );
  const forActor = db.prepare(`SELECT * FROM messages WHERE actor_key = ? ORDER BY id`);
  const byId = db.prepare(`SELECT * FROM messages WHERE id = ?`);
  const byExternal = db.prepare(`SELECT 1 FROM messages WHERE actor_key = ? AND external_id = ?`);
  return {
    /** Returns the new row id, or null when a message with this external id was already recorded. */
    add(message: {
      actorKey: string;
      role: 'user' | 'assistant';
      author: string;
      authorId: string | null;
      externalId: string | null;
      content: string;
      eventTime: number;
      replyTo?: number | null;
    }): number | null {
      const result = insert.run({ replyTo: null, ...message });
      return result.changes === 1 ? Number(result.lastInsertRowid) : null;
    },
    has(actorKey: string, externalId: string): boolean {
      return byExternal.get(actorKey, externalId) !== undefined;
    },
    get(id: number): MessageRow | undefined {
      return byId.get(id) as MessageRow | undefined;
    },
    /**
     * The conversation in reading order: each reply right after the message it answers,
     * even when later messages arrived while it was being written.
     */
    transcript(actorKey: string, upToMessageId?: number | null): MessageRow[] {
      const rows = forActor.all(actorKey) as MessageRow[];
      const position = (row: MessageRow) => (row.role === 'assistant' && row.reply_to !== null ? row.reply_to + 0.5 : row.id);
      return rows
        .filter((row) => upToMessageId == null || row.role === 'assistant' || row.id <= upToMessageId)
        .sort((a, b) => position(a) - position(b) || a.id - b.id);
    },
  };
}
export type MessageStore = ReturnType<typeof createMessageStore>;
