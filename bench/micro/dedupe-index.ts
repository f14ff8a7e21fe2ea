/**
 * What the inbox's unique dedupe index costs per row with random keys (the platform's data.id,
 * a UUID) against keys that grow in order (owner copies: event, bot, timestamp): the inbox's
 * schema, 20 rows per commit, synchronous=FULL, in a temp SQLite file.
 *   npx tsx bench/micro/dedupe-index.ts
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../lib/child.js';

const BATCHES = 10_000;
const ROWS_PER_COMMIT = 20;
const body = readFileSync(join(ROOT, 'test', 'fixtures', 'platform', 'post_liked.json'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'aa-bench-dedupe-'));

process.stdout.write(`| keys | cache | rows | µs per row |\n|---|---|---|---|\n`);
for (const [keys, cacheKb] of [['in order', 2000], ['random UUID', 2000], ['random UUID', 65536]] as const) {
  const cache = cacheKb === 2000 ? 'default, 2 MB' : `${cacheKb / 1024} MiB`;
  const db = new Database(join(dir, `${keys}-${cacheKb}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma(`cache_size = -${cacheKb}`);
  db.exec(`CREATE TABLE inbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL UNIQUE, bot_id TEXT NOT NULL, event TEXT NOT NULL,
    kind TEXT NOT NULL, actor_key TEXT, event_time INTEGER NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL,
    processed_at TEXT, note TEXT);
    CREATE INDEX inbox_pending ON inbox (actor_key, event_time, seq) WHERE status = 'pending';`);
  const insert = db.prepare(`INSERT INTO inbox (dedupe_key, bot_id, event, kind, actor_key, event_time, received_at, body, status, note)
    VALUES (?, 'bot', 'post_liked', 'bot', 'events:bot', ?, '2026-12-04T00:00:00Z', ?, 'done', 'policy log') ON CONFLICT (dedupe_key) DO NOTHING`);
  const commit = db.transaction((first: number) => {
    for (let i = first; i < first + ROWS_PER_COMMIT; i++) insert.run(keys === 'in order' ? `f:post_liked:bot:${String(i).padStart(12, '0')}` : `n:${randomUUID()}`, i, body);
  });
  const started = performance.now();
  for (let batch = 0; batch < BATCHES; batch++) commit(batch * ROWS_PER_COMMIT);
  const rows = BATCHES * ROWS_PER_COMMIT;
  process.stdout.write(`| ${keys} | ${cache} | ${rows.toLocaleString('en-US')} | ${(((performance.now() - started) * 1000) / rows).toFixed(1)} |\n`);
  db.close();
}
rmSync(dir, { recursive: true, force: true });
