/**
 * Group commit for the webhook route: the inbox rows of requests handled in the same turn of
 * the event loop are written in one SQLite transaction, so concurrent webhooks share one commit
 * (one fsync with synchronous=FULL) instead of paying for one each. Nothing is acknowledged
 * early: a caller's promise settles only after the transaction holding its row has committed,
 * and rejects (the route answers 503) if it did not.
 *
 * Rows are inserted in arrival order inside the transaction, so a data.id repeated within one
 * batch is stored once and the later copy answers duplicate:true, exactly as across batches.
 */
import type { Stores } from '../runtime/stores.js';
import type { NewInboxEvent } from '../store/inbox-store.js';

interface Waiting {
  row: NewInboxEvent;
  resolve(inserted: boolean): void;
  reject(error: unknown): void;
}

export interface InboxCommitQueue {
  /** Resolves once the row's transaction has committed: true if stored, false if its dedupe key was already there. */
  insert(row: NewInboxEvent): Promise<boolean>;
}

/** SQLite result codes that concern the whole database, not one row: retrying rows one by one cannot help. */
const DATABASE_WIDE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|CORRUPT|NOTADB|CANTOPEN)/;

export function createInboxCommitQueue(stores: Pick<Stores, 'db' | 'inbox'>): InboxCommitQueue {
  let batch: Waiting[] = [];
  const insertAll = stores.db.transaction((rows: NewInboxEvent[]) => rows.map((row) => stores.inbox.insert(row)));
  const insertOne = stores.db.transaction((row: NewInboxEvent) => stores.inbox.insert(row));

  // setImmediate runs after the poll phase: every request whose body was read in this turn of
  // the loop has reached `insert` by then, and is in the batch.
  function flush(): void {
    const waiting = batch;
    batch = [];
    let results: boolean[];
    try {
      results = insertAll(waiting.map((w) => w.row));
    } catch (error) {
      if (waiting.length === 1 || DATABASE_WIDE.test((error as { code?: string }).code ?? '')) {
        for (const w of waiting) w.reject(error);
        return;
      }
      // One row may be what failed (say, a large body on a nearly full disk): it must not turn
      // its neighbours' 200 into 503, so each row gets its own transaction.
      for (const w of waiting) {
        try {
          w.resolve(insertOne(w.row));
        } catch (rowError) {
          w.reject(rowError);
        }
      }
      return;
    }
    waiting.forEach((w, i) => w.resolve(results[i]!));
  }

  return {
    insert(row) {
      return new Promise<boolean>((resolve, reject) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ row, resolve, reject });
      });
    },
  };
}
