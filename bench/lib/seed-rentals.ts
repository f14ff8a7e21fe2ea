/**
 * Open rentals on disk, made by the real host itself: a seeding run of the host receives a
 * rental_request for each rental, reads it from the stub platform and posts its greeting, and
 * is stopped. What is left in SQLite is exactly what a host with that many open rentals keeps
 * (actor snapshots, transcripts, rental timers), with no shortcut through internal APIs.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { dbPathIn, startBenchHost, writeBotFiles, type BenchBot } from './bench-host.js';
import { openLoop } from './open-loop.js';
import { rentalRequest, type RentalIds } from './payloads.js';
import { waitUntil } from './stats.js';
import type { StubPlatform } from './stub-platform.js';

export interface BenchRental extends RentalIds {
  bot: BenchBot;
}

/** `perBot` rentals for each bot, interleaved across bots. */
export function planRentals(bots: BenchBot[], perBot: number): BenchRental[] {
  return Array.from({ length: perBot }, () => bots.map((bot) => ({ bot, botId: bot.profileId, rentalId: randomUUID(), renterId: randomUUID() }))).flat();
}

/** Per-bot limits lifted so that a run measures the host, not the per-bot caps it is configured with. */
export const LIFTED_LIMITS_YAML = 'limits:\n  llm_concurrency: 8\n  llm_requests_per_minute: 100000\n  platform_requests_per_minute: 100000\n';

/** Registers bots and rentals with the stub, so GET /agents/me/pending lists them as active. */
export function registerWithStub(platform: StubPlatform, bots: BenchBot[], rentals: BenchRental[]): void {
  for (const bot of bots) {
    platform.addBot(
      bot.apiKey,
      bot.profileId,
      rentals.filter((r) => r.bot === bot).map((r) => ({ rentalId: r.rentalId, renterId: r.renterId })),
    );
  }
}

export interface Backlog {
  inbox: number;
  turns: number;
  outbox: number;
}

/** Unfinished work in a host's database, read through a second (read-only) connection. */
export function readBacklog(dbPath: string): Backlog {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      inbox: count(`SELECT count(*) AS n FROM inbox WHERE status = 'pending'`),
      turns: count(`SELECT count(*) AS n FROM turns WHERE status = 'pending'`),
      outbox: count(`SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`),
    };
  } finally {
    db.close();
  }
}

export const isEmpty = (backlog: Backlog) => backlog.inbox + backlog.turns + backlog.outbox === 0;

/** Runs a seeding host in `dir` (fallback replies, synchronous=NORMAL, lifted limits) until every rental is greeted. */
export async function openRentalsThroughHost(options: { dir: string; bots: BenchBot[]; rentals: BenchRental[]; platform: StubPlatform; log?: (line: string) => void }): Promise<{ seconds: number }> {
  const { dir, bots, rentals, platform } = options;
  const started = performance.now();
  const secrets = writeBotFiles(dir, bots, LIFTED_LIMITS_YAML);
  const host = await startBenchHost({
    dir,
    secrets,
    platformUrl: platform.url,
    env: { SQLITE_SYNCHRONOUS: 'NORMAL', LOG_LEVEL: 'warn', RECONCILE_IDLE_INTERVAL_MS: '0', NOTIFICATIONS_INTERVAL_MS: '0' },
    logFile: join(dir, 'seeding-host.log'),
  });
  try {
    const postsBefore = platform.posts.length;
    const sent = await openLoop({
      url: (i) => host.webhookUrl(rentals[i]!.bot),
      ratePerSec: 500,
      durationMs: rentals.length * 2,
      body: (i) => rentalRequest(rentals[i]!),
      maxInFlight: 100_000,
      timeoutMs: 120_000,
    });
    if (sent.ok !== rentals.length) throw new Error(`seeding: ${sent.ok} of ${rentals.length} rental_requests acknowledged (${JSON.stringify({ ...sent, latency: undefined })}); see ${join(dir, "seeding-host.log")}`);
    await waitUntil('every rental greeted', () => platform.posts.length - postsBefore >= rentals.length && isEmpty(readBacklog(dbPathIn(dir))), 600_000, 200);
  } finally {
    await host.stop();
  }
  options.log?.(`seeded ${rentals.length} open rentals across ${bots.length} bots in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { seconds: (performance.now() - started) / 1000 };
}
