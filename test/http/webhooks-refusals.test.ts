import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processInboxBatch } from '../../src/runtime/process-inbox-event.js';
import { startTestHost, testBot } from '../helpers/test-host.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'platform', name), 'utf8'));
const deadLetters = (db: Database.Database) =>
  db.prepare('SELECT status, reason, details, raw_body FROM dead_letters ORDER BY id').all() as {
    status: number;
    reason: string;
    details: string | null;
    raw_body: string;
  }[];

describe('webhook refusals', () => {
  it('answers 404 to an unknown token and never logs the token', async () => {
    const t = await startTestHost({});
    const guess = 'guess-' + 'g'.repeat(40);
    const response = await t.post(guess, fixture('rental_message.json'));
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('AA_WEBHOOK_UNKNOWN_TOKEN');
    expect(t.host.stores.inbox.pendingCount()).toBe(0);
    await t.post(t.bots[0]!, fixture('new_follower.json'));
    const logText = t.logs.join('\n');
    expect(logText).not.toContain(guess);
    expect(logText).not.toContain(t.bots[0]!.token);
    expect(logText).toContain('"route":"/webhooks/:token"');
  });

  it('answers 400 with a JSON error to a body that is not JSON, and keeps it', async () => {
    const t = await startTestHost({});
    const response = await t.post(t.bots[0]!, '{"event": "rental_message", oops');
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'AA_WEBHOOK_NOT_JSON', error: 'the body is not JSON' });
    expect(deadLetters(t.host.stores.db)).toMatchObject([{ status: 400, raw_body: '{"event": "rental_message", oops' }]);
  });

  it('answers 413 to a body over 1 MiB', async () => {
    const t = await startTestHost({});
    const huge = JSON.stringify({ ...fixture('new_follower.json'), padding: 'x'.repeat(1024 * 1024) });
    const response = await t.post(t.bots[0]!, huge);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatch(/larger than 1048576 bytes/);
    expect(t.host.stores.inbox.pendingCount()).toBe(0);
  });

  it('answers 422 with the validation issues to a body of no known shape, keeping the raw body', async () => {
    const t = await startTestHost({});
    const bad = fixture('rental_message.json');
    delete bad.data.data.message_id;
    bad.data.created_at = 'yesterday';
    const raw = JSON.stringify(bad);
    const response = await t.post(t.bots[0]!, raw);
    expect(response.status).toBe(422);
    expect(response.body.code).toBe('AA_WEBHOOK_SHAPE');
    expect(response.body.details.issues).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'data.created_at' })]));
    const [dead] = deadLetters(t.host.stores.db);
    expect(dead).toMatchObject({ status: 422, raw_body: raw });

    const noMessageId = fixture('rental_message.json');
    delete noMessageId.data.data.message_id;
    const second = await t.post(t.bots[0]!, noMessageId);
    expect(second.status).toBe(422);
    expect(second.body.details.issues).toEqual([expect.objectContaining({ path: 'data.data.message_id' })]);

    const flat = await t.post(t.bots[0]!, { event: 'bot_new_message', data: { bot_username: 'x' }, timestamp: '2026-05-04T10:00:00Z' });
    expect(flat.status).toBe(422);
    expect(flat.body.details.issues).toEqual([expect.objectContaining({ path: 'data.bot_id' })]);
    expect(deadLetters(t.host.stores.db)).toHaveLength(3);
  });

  it("answers 403 to another profile's event, so a leaked URL cannot drive another bot", async () => {
    const other = testBot({ name: 'other-bot', profileId: '11111111-2222-4333-8444-555555555555', ownerId: undefined });
    const t = await startTestHost({ bots: [testBot({ name: 'research-helper' }), other] });
    // A rental message addressed to research-helper, POSTed to other-bot's URL.
    const response = await t.post(other, fixture('rental_message.json'));
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('AA_WEBHOOK_RECIPIENT');
    const flat = await t.post(other, fixture('bot_rental_message.json'));
    expect(flat.status).toBe(403);
    const test = await t.post(other, fixture('webhook.test.json'));
    expect(test.status).toBe(403);
    expect(deadLetters(t.host.stores.db).map((row) => row.status)).toEqual([403, 403, 403]);
    expect(t.host.stores.inbox.pendingCount()).toBe(0);
  });

  it('stores and logs an event name the platform is not known to send', async () => {
    const t = await startTestHost({});
    const odd = fixture('new_follower.json');
    odd.event = 'robot_uprising';
    const response = await t.post(t.bots[0]!, odd);
    expect(response.status).toBe(200);
    expect(t.logs.some((line) => line.includes('robot_uprising') && line.includes('"level":40'))).toBe(true);
    await t.host.runtime.whenIdle();
    const row = t.host.stores.db.prepare('SELECT event, status, note FROM inbox').get() as { event: string; status: string; note: string };
    expect(row).toMatchObject({ event: 'robot_uprising', status: 'done' });
    expect(row.note).toMatch(/^policy log/);
  });
});

describe('events the bot only logs or ignores', () => {
  it('are finished as they are stored: no actor step, the same note and log line', async () => {
    const t = await startTestHost({ bots: [testBot({ name: 'research-helper', extra: 'events:\n  post_liked: ignore\n' })] });
    expect((await t.post(t.bots[0]!, fixture('new_follower.json'))).status).toBe(200);
    expect((await t.post(t.bots[0]!, fixture('post_liked.json'))).status).toBe(200);
    // Already done when the 200 arrives: nothing waits for an actor.
    const rows = t.host.stores.db.prepare('SELECT event, status, note, processed_at FROM inbox ORDER BY seq').all() as { event: string; status: string; note: string; processed_at: string | null }[];
    expect(rows.map((r) => [r.event, r.status])).toEqual([['new_follower', 'done'], ['post_liked', 'done']]);
    expect(rows[0]!.note).toMatch(/^policy log/);
    expect(rows[1]!.note).toBe('policy ignore: bot file override');
    expect(rows.every((r) => r.processed_at !== null)).toBe(true);
    expect(t.host.stores.inbox.pendingCount()).toBe(0);
    expect(t.logs.some((line) => line.includes('event logged') && line.includes('new_follower'))).toBe(true);
    expect(t.host.stores.db.prepare('SELECT count(*) AS n FROM actors').get()).toEqual({ n: 0 });
  });
});

describe('duplicates', () => {
  it('acknowledges the same data.id twice at the same instant and stores it once', async () => {
    const t = await startTestHost({});
    const payload = fixture('new_follower.json');
    const answers = await Promise.all(Array.from({ length: 8 }, () => t.post(t.bots[0]!, payload)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    expect(answers.filter((a) => a.body.duplicate === true)).toHaveLength(7);
    const later = await t.post(t.bots[0]!, payload);
    expect(later.body).toEqual({ ok: true, duplicate: true });
    expect(t.host.stores.db.prepare('SELECT count(*) AS n FROM inbox').get()).toEqual({ n: 1 });
  });

  it('dedupes flat owner copies on (event, bot_id, timestamp)', async () => {
    const t = await startTestHost({});
    const copy = fixture('bot_rental_message.json');
    expect((await t.post(t.bots[0]!, copy)).body.duplicate).toBe(false);
    expect((await t.post(t.bots[0]!, copy)).body.duplicate).toBe(true);
    expect((await t.post(t.bots[0]!, { ...copy, timestamp: '2026-05-04T14:01:21.000Z' })).body.duplicate).toBe(false);
  });
});

describe('storage failures', () => {
  it('answers 503, never 2xx, when the disk is full, and keeps serving afterwards', async () => {
    const t = await startTestHost({});
    const db = t.host.stores.db;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const big = fixture('new_follower.json');
    big.data.body = 'y'.repeat(200_000);
    const full = await t.post(t.bots[0]!, big);
    expect(full.status).toBe(503);
    expect(full.body.code).toBe('AA_STORE_UNAVAILABLE');
    expect(db.prepare('SELECT count(*) AS n FROM inbox').get()).toEqual({ n: 0 });
    db.pragma('max_page_count = 1073741823');
    const retried = await t.post(t.bots[0]!, big);
    expect(retried.status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('answers 503 when the database is locked by another writer, then recovers', async () => {
    const t = await startTestHost({ env: { SQLITE_BUSY_TIMEOUT_MS: '100' } });
    const other = new Database(t.dbPath);
    other.exec('BEGIN IMMEDIATE');
    const locked = await t.post(t.bots[0]!, fixture('new_follower.json'));
    expect(locked.status).toBe(503);
    other.exec('ROLLBACK');
    other.close();
    const after = await t.post(t.bots[0]!, fixture('new_follower.json'));
    expect(after).toMatchObject({ status: 200, body: { duplicate: false } });
  });
});

describe('event names that collide with JavaScript built-ins', () => {
  it('processes an event named toString or __proto__ like any unknown event, and the events after it', async () => {
    const t = await startTestHost({});
    for (const name of ['toString', '__proto__', 'constructor']) {
      const odd = fixture('new_follower.json');
      odd.event = name;
      odd.data.id = crypto.randomUUID();
      odd.data.created_at = '1970-01-01T00:00:00.000001+00:00';
      expect((await t.post(t.bots[0]!, odd)).status).toBe(200);
    }
    await t.post(t.bots[0]!, fixture('new_follower.json'));
    await t.host.runtime.whenIdle();
    expect(t.host.stores.inbox.pendingCount()).toBe(0);
    const rows = t.host.stores.db.prepare(`SELECT event, status FROM inbox ORDER BY seq`).all();
    expect(rows).toEqual([
      { event: 'toString', status: 'done' },
      { event: '__proto__', status: 'done' },
      { event: 'constructor', status: 'done' },
      { event: 'new_follower', status: 'done' },
    ]);
  });
});

describe('a stored event that cannot be processed', () => {
  it('is set aside with a note instead of blocking the events after it', async () => {
    const t = await startTestHost({});
    const key = `events:${t.bots[0]!.profileId}`;
    // A row damaged on disk: it was acknowledged, but its body no longer parses.
    t.host.stores.db
      .prepare(
        `INSERT INTO inbox (dedupe_key, bot_id, event, kind, actor_key, event_time, received_at, body, status)
         VALUES ('n:damaged', ?, 'new_follower', 'bot', ?, 1, '1970-01-01T00:00:00Z', '{"event":', 'pending')`,
      )
      .run(t.bots[0]!.profileId, key);
    // An event the events actor acts on (surfaced to the owner), so the actor runs behind it.
    await t.post(t.bots[0]!, fixture('dispute_opened.json'));
    await t.host.runtime.whenIdle();
    const rows = t.host.stores.db.prepare(`SELECT dedupe_key, status, note FROM inbox ORDER BY seq`).all() as { dedupe_key: string; status: string; note: string }[];
    expect(rows[0]).toMatchObject({ dedupe_key: 'n:damaged', status: 'ignored' });
    expect(rows[0]!.note).toMatch(/^could not be processed: /);
    expect(rows[1]!.status).toBe('done');
    expect(t.logs.some((l) => l.includes('set aside so the events after it go on'))).toBe(true);
  });
});

describe('a database error on one event of a batch', () => {
  it('commits the events before it and fails only when that event is tried alone', async () => {
    const t = await startTestHost({});
    await t.host.runtime.whenIdle();
    const key = `events:${t.bots[0]!.profileId}`;
    const db = t.host.stores.db;
    const add = db.prepare(
      `INSERT INTO inbox (dedupe_key, bot_id, event, kind, actor_key, event_time, received_at, body, status)
       VALUES (?, ?, 'new_follower', 'bot', ?, ?, '1970-01-01T00:00:00Z', ?, 'pending')`,
    );
    for (const [i, id] of ['n:one', 'n:two', 'n:three'].entries()) add.run(id, t.bots[0]!.profileId, key, i + 1, JSON.stringify(fixture('new_follower.json')));
    // The second event's row cannot be written: a database error, not the event's own fault.
    db.exec(`CREATE TRIGGER stuck BEFORE UPDATE OF status ON inbox WHEN NEW.dedupe_key = 'n:two' BEGIN SELECT RAISE(ABORT, 'row is stuck'); END`);
    expect(processInboxBatch(t.host.deps, key).processed).toBe(1);
    expect(() => processInboxBatch(t.host.deps, key)).toThrow(/row is stuck/);
    const status = (id: string) => (db.prepare('SELECT status FROM inbox WHERE dedupe_key = ?').get(id) as { status: string }).status;
    expect([status('n:one'), status('n:two'), status('n:three')]).toEqual(['done', 'pending', 'pending']);
    db.exec('DROP TRIGGER stuck');
    expect(processInboxBatch(t.host.deps, key).processed).toBe(2);
    expect([status('n:two'), status('n:three')]).toEqual(['done', 'done']);
  });
});
