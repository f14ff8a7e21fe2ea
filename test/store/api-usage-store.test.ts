import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createApiUsageStore, FLUSH_MS } from '../../src/store/api-usage-store.js';
import { openDatabase } from '../../src/store/open-database.js';

function open() {
  const dir = mkdtempSync(join(tmpdir(), 'aa-api-usage-'));
  const path = join(dir, 'aa-host.db');
  const db = openDatabase({ path, synchronous: 'FULL' });
  onTestFinished(() => {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, path, store: createApiUsageStore(db) };
}

function onDisk(path: string, bot: string, day: string): number {
  const reader = new Database(path, { readonly: true });
  try {
    return (reader.prepare('SELECT calls FROM api_usage WHERE bot_id = ? AND day = ?').get(bot, day) as { calls: number } | undefined)?.calls ?? 0;
  } finally {
    reader.close();
  }
}

const NOON = Date.parse('2026-12-03T12:00:00Z');
const NEXT_DAY = Date.parse('2026-12-04T00:00:01Z');

describe('API calls counted per bot per UTC day', () => {
  it('counts at once in memory, writes them together within a second, and adds up across days and bots', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    onTestFinished(() => void vi.useRealTimers());
    const { path, store } = open();
    for (let i = 0; i < 5; i++) store.count('bot-a', NOON);
    store.count('bot-b', NOON);
    store.count('bot-a', NEXT_DAY);
    expect(store.today('bot-a', NOON)).toBe(5);
    expect(store.allToday(NOON)).toEqual({ 'bot-a': 5, 'bot-b': 1 });
    expect(onDisk(path, 'bot-a', '2026-12-03')).toBe(0);

    vi.advanceTimersByTime(FLUSH_MS);
    expect(onDisk(path, 'bot-a', '2026-12-03')).toBe(5);
    expect(onDisk(path, 'bot-a', '2026-12-04')).toBe(1);
    store.count('bot-a', NOON);
    expect(store.today('bot-a', NOON)).toBe(6);
    store.flush();
    expect(onDisk(path, 'bot-a', '2026-12-03')).toBe(6);
    expect(store.today('bot-a', NEXT_DAY)).toBe(1);
  });

  it('keeps counts the database refused and writes them on the next flush', () => {
    const { db, path, store } = open();
    store.count('bot-a', NOON);
    const locker = new Database(path);
    locker.pragma('busy_timeout = 0');
    db.pragma('busy_timeout = 0');
    locker.exec('BEGIN IMMEDIATE');
    store.flush();
    expect(store.today('bot-a', NOON)).toBe(1);
    locker.exec('COMMIT');
    locker.close();
    store.flush();
    expect(onDisk(path, 'bot-a', '2026-12-03')).toBe(1);
    expect(store.today('bot-a', NOON)).toBe(1);
  });
});
