import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createInboxCommitQueue } from '../../src/ingress/inbox-commit-queue.js';
import { createStores } from '../../src/runtime/stores.js';
import type { NewInboxEvent } from '../../src/store/inbox-store.js';
import { openDatabase, type Db } from '../../src/store/open-database.js';
import { startTestHost } from '../helpers/test-host.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platform', name), 'utf8'));

function openStores(busyTimeoutMs = 5000) {
  const dir = mkdtempSync(join(tmpdir(), 'aa-commits-'));
  const path = join(dir, 'aa-host.db');
  const stores = createStores(openDatabase({ path, synchronous: 'FULL', busyTimeoutMs }));
  onTestFinished(() => {
    stores.db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { stores, path };
}

const row = (dedupeKey: string, body = '{}'): NewInboxEvent => ({
  dedupeKey,
  botId: 'bot',
  event: 'new_follower',
  kind: 'bot',
  actorKey: null,
  eventTime: 1,
  receivedAt: '2026-05-04T14:00:00.000Z',
  body,
  status: 'stored',
});

const inboxKeys = (db: Database.Database | Db) => (db.prepare('SELECT dedupe_key FROM inbox ORDER BY seq').all() as { dedupe_key: string }[]).map((r) => r.dedupe_key);

describe('grouped commits of the inbox', () => {
  it('commits the webhooks of one turn of the event loop in one transaction, and settles none before it', async () => {
    const { stores, path } = openStores();
    let transactions = 0;
    const countingDb = {
      transaction: <A extends unknown[], R>(fn: (...args: A) => R) => {
        const run = stores.db.transaction(fn);
        return (...args: A) => {
          transactions++;
          return run(...args);
        };
      },
    } as unknown as Db;
    const queue = createInboxCommitQueue({ db: countingDb, inbox: stores.inbox });
    const reader = new Database(path, { readonly: true });
    onTestFinished(() => void reader.close());

    const settled: string[] = [];
    const answers = ['n:a', 'n:b', 'n:c'].map((key) => queue.insert(row(key)).then((inserted) => (settled.push(key), inserted)));
    await Promise.resolve();
    expect(settled).toEqual([]);
    expect(inboxKeys(reader)).toEqual([]);

    expect(await Promise.all(answers)).toEqual([true, true, true]);
    expect(transactions).toBe(1);
    expect(inboxKeys(reader)).toEqual(['n:a', 'n:b', 'n:c']);
  });

  it('stores a data.id repeated within one batch once and answers the later copy as a duplicate', async () => {
    const { stores } = openStores();
    const queue = createInboxCommitQueue(stores);
    const answers = await Promise.all([queue.insert(row('n:same')), queue.insert(row('n:other')), queue.insert(row('n:same'))]);
    expect(answers).toEqual([true, true, false]);
    expect(inboxKeys(stores.db)).toEqual(['n:same', 'n:other']);
    expect(await queue.insert(row('n:same'))).toBe(false);
  });

  it('rejects every webhook of a batch that could not commit (database locked) and stores none of them', async () => {
    const { stores, path } = openStores(50);
    const queue = createInboxCommitQueue(stores);
    const other = new Database(path);
    onTestFinished(() => void other.close());
    other.exec('BEGIN IMMEDIATE');
    const answers = await Promise.allSettled([queue.insert(row('n:1')), queue.insert(row('n:2'))]);
    expect(answers.map((a) => a.status)).toEqual(['rejected', 'rejected']);
    other.exec('ROLLBACK');
    expect(inboxKeys(stores.db)).toEqual([]);
    expect(await queue.insert(row('n:1'))).toBe(true);
  });

  it('fails only the row that does not fit when the disk is full, and stores its neighbours', async () => {
    const { stores } = openStores();
    const queue = createInboxCommitQueue(stores);
    stores.db.pragma(`max_page_count = ${stores.db.pragma('page_count', { simple: true }) as number}`);
    const answers = await Promise.allSettled([queue.insert(row('n:small')), queue.insert(row('n:big', 'y'.repeat(200_000)))]);
    expect(answers[0]).toEqual({ status: 'fulfilled', value: true });
    expect(answers[1]!.status).toBe('rejected');
    expect(inboxKeys(stores.db)).toEqual(['n:small']);
  });
});

describe('grouped commits at the webhook URL', () => {
  it('answers many concurrent webhooks with one duplicate:false per data.id and stores each once', async () => {
    const t = await startTestHost({});
    const payloads = Array.from({ length: 20 }, () => {
      const payload = fixture('new_follower.json');
      payload.data.id = randomUUID();
      return payload;
    });
    const answers = await Promise.all([...payloads, ...payloads].map((payload) => t.post(t.bots[0]!, payload)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    for (const payload of payloads) {
      const mine = answers.filter((_, i) => i % 20 === payloads.indexOf(payload));
      expect(mine.map((a) => a.body.duplicate).sort()).toEqual([false, true]);
    }
    expect(t.host.stores.db.prepare('SELECT count(*) AS n FROM inbox').get()).toEqual({ n: 20 });
  });

  it('answers 503 to every concurrent webhook while the database is locked, and 200 once it is free', async () => {
    const t = await startTestHost({ env: { SQLITE_BUSY_TIMEOUT_MS: '50' } });
    const other = new Database(t.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const payloads = Array.from({ length: 5 }, () => ({ ...fixture('new_follower.json'), data: { ...fixture('new_follower.json').data, id: randomUUID() } }));
    const locked = await Promise.all(payloads.map((payload) => t.post(t.bots[0]!, payload)));
    expect(locked.map((a) => [a.status, a.body.code])).toEqual(Array(5).fill([503, 'AA_STORE_UNAVAILABLE']));
    other.exec('ROLLBACK');
    other.close();
    expect(t.host.stores.db.prepare('SELECT count(*) AS n FROM inbox').get()).toEqual({ n: 0 });
    const after = await Promise.all(payloads.map((payload) => t.post(t.bots[0]!, payload)));
    expect(after.map((a) => [a.status, a.body.duplicate])).toEqual(Array(5).fill([200, false]));
  });
});
