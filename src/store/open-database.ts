/**
 * Opens the host's SQLite file with the pragmas every connection needs, and migrates it.
 * WAL lets readers run beside the single writer; `synchronous` is set explicitly on every
 * open because it is a per-connection setting (see README, "Durability").
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrate } from './migrations.js';

export type Db = Database.Database;
export type SynchronousMode = 'FULL' | 'NORMAL' | 'EXTRA';

export interface OpenDatabaseOptions {
  path: string;
  synchronous: SynchronousMode;
  /** How long a statement waits for a lock held by another connection. @default 5000 */
  busyTimeoutMs?: number;
}

export function openDatabase(options: OpenDatabaseOptions): Db {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.synchronous}`);
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  db.pragma('foreign_keys = ON');
  // Checkpoint automatically every ~1000 pages; the host also runs a passive checkpoint on a timer.
  db.pragma('wal_autocheckpoint = 1000');
  migrate(db);
  return db;
}
