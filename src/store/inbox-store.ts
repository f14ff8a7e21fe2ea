/** The durable inbox: every acknowledged webhook, deduplicated, with its processing status. */
import type { Db } from './open-database.js';

export type InboxStatus = 'pending' | 'done' | 'ignored' | 'stored';

export interface InboxRow {
  seq: number;
  dedupe_key: string;
  bot_id: string;
  event: string;
  kind: string;
  actor_key: string | null;
  event_time: number;
  received_at: string;
  body: string;
  status: InboxStatus;
  note: string | null;
}

export interface NewInboxEvent {
  dedupeKey: string;
  botId: string;
  event: string;
  kind: string;
  actorKey: string | null;
  eventTime: number;
  receivedAt: string;
  body: string;
  /** 'pending' when an actor will process it, 'stored' when it is only kept, 'done' when settled as it is stored. */
  status: 'pending' | 'stored' | 'done';
  note?: string;
  processedAt?: string;
}

export function createInboxStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO inbox (dedupe_key, bot_id, event, kind, actor_key, event_time, received_at, body, status, note, processed_at)
     VALUES (@dedupeKey, @botId, @event, @kind, @actorKey, @eventTime, @receivedAt, @body, @status, @note, @processedAt)
     ON CONFLICT (dedupe_key) DO NOTHING`,
  );
  const nextPending = db.prepare(
    `SELECT * FROM inbox WHERE actor_key = ? AND status = 'pending' ORDER BY event_time, seq LIMIT 1`,
  );
  const finish = db.prepare(`UPDATE inbox SET status = ?, note = ?, processed_at = ? WHERE seq = ?`);
  const pendingActors = db.prepare(`SELECT DISTINCT actor_key FROM inbox WHERE status = 'pending' AND actor_key IS NOT NULL`);
  const count = db.prepare(`SELECT count(*) AS n FROM inbox WHERE status = 'pending'`);
  const anyPending = db.prepare(`SELECT 1 FROM inbox WHERE actor_key = ? AND status = 'pending' LIMIT 1`);
  const bySeq = db.prepare(`SELECT * FROM inbox WHERE seq = ?`);

  return {
    /** Commits the event; returns false when its dedupe key was already there. */
    insert(event: NewInboxEvent): boolean {
      return insert.run({ note: null, processedAt: null, ...event }).changes === 1;
    },
    get(seq: number): InboxRow | undefined {
      return bySeq.get(seq) as InboxRow | undefined;
    },
    nextPending(actorKey: string): InboxRow | undefined {
      return nextPending.get(actorKey) as InboxRow | undefined;
    },
    finish(seq: number, status: Exclude<InboxStatus, 'pending'>, note: string | null, at: string): void {
      finish.run(status, note, at, seq);
    },
    actorsWithPendingEvents(): string[] {
      return (pendingActors.all() as { actor_key: string }[]).map((row) => row.actor_key);
    },
    /** Whether the actor still has events to process. */
    hasPending(actorKey: string): boolean {
      return anyPending.get(actorKey) !== undefined;
    },
    pendingCount(): number {
      return (count.get() as { n: number }).n;
    },
  };
}
export type InboxStore = ReturnType<typeof createInboxStore>;

export function createDeadLetterStore(db: Db) {
  const insert = db.prepare(
    `INSERT INTO dead_letters (received_at, bot_id, status, reason, details, raw_body) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  return {
    add(entry: { receivedAt: string; botId: string | null; status: number; reason: string; details?: unknown; rawBody: string }): void {
      insert.run(entry.receivedAt, entry.botId, entry.status, entry.reason, entry.details === undefined ? null : JSON.stringify(entry.details), entry.rawBody);
    },
  };
}
export type DeadLetterStore = ReturnType<typeof createDeadLetterStore>;
