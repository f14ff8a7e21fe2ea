/**
 * 5. Recovery: a host stopped with a backlog of unprocessed events on disk (renter messages to
 *    open rentals, as a crash during a burst would leave them) starts again. Measured from the
 *    process spawn: when it first acknowledges a webhook, and when the backlog is empty (every
 *    event processed, every turn run against a model that answers at once, every reply posted).
 *    Webhooks keep arriving during the drain; their ack latency is recorded too.
 *
 *    npx tsx bench/recovery.ts [--quick] [--json out.json]
 */
import { join } from 'node:path';
import { classifyWebhook } from '../src/ingress/classify-webhook.js';
import { inboxRowFor } from '../src/ingress/store-webhook.js';
import { createInboxStore } from '../src/store/inbox-store.js';
import { openDatabase } from '../src/store/open-database.js';
import type { Bot } from '../src/config/bot-config.js';
import { dbPathIn, makeBenchDir, makeBots, removeDir, startBenchHost } from './lib/bench-host.js';
import { startBenchModel } from './lib/bench-model.js';
import { parseBenchArgs, reportResult, runMain } from './lib/cli-args.js';
import { openLoop } from './lib/open-loop.js';
import { ownerCopy } from './lib/payloads.js';
import { freePort } from './lib/reference-receiver.js';
import { isEmpty, LIFTED_LIMITS_YAML, openRentalsThroughHost, planRentals, readBacklog, registerWithStub, type Backlog } from './lib/seed-rentals.js';
import { fmt, markdownTable, sleep } from './lib/stats.js';
import { startStubPlatform } from './lib/stub-platform.js';
import { writeBotFiles } from './lib/bench-host.js';

const args = parseBenchArgs();
const PLAN = {
  ...(args.quick ? { bots: 10, perBot: 10, perRental: 10, probeMs: 3000 } : { bots: 100, perBot: 20, perRental: 5, probeMs: 10_000 }),
  ...(process.env.BENCH_PLAN ? (JSON.parse(process.env.BENCH_PLAN) as object) : {}),
};

/** The host's synchronous setting; BENCH_SYNCHRONOUS=NORMAL shows what the fsyncs cost. */
const SYNCHRONOUS = process.env.BENCH_SYNCHRONOUS ?? 'FULL';

async function main(): Promise<void> {
  const dir = makeBenchDir('recovery');
  const platform = await startStubPlatform();
  const model = await startBenchModel({ delayMs: 0 });
  const bots = makeBots(PLAN.bots);
  const rentals = planRentals(bots, PLAN.perBot);
  registerWithStub(platform, bots, rentals);
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    await openRentalsThroughHost({ dir, bots, rentals, platform, log });

    // The backlog: renter messages written to the inbox as the webhook route writes them, never processed.
    const db = openDatabase({ path: dbPathIn(dir), synchronous: 'NORMAL' });
    const inbox = createInboxStore(db);
    const t0 = Date.now() - 60_000;
    let n = 0;
    db.transaction(() => {
      for (let m = 0; m < PLAN.perRental; m++) {
        for (const rental of rentals) {
          const body = platform.renterSays(rental, `Message ${m + 1} sent while the host was down.`, new Date(t0 + n++));
          const bot = { profileId: rental.botId, ownerId: rental.bot.ownerId } as Bot;
          inbox.insert(inboxRowFor(bot, classifyWebhook(JSON.parse(body), bot), body, new Date().toISOString()));
        }
      }
    })();
    db.close();
    const seeded = readBacklog(dbPathIn(dir));
    log(`backlog on disk: ${seeded.inbox} unprocessed events for ${rentals.length} open rentals`);

    const port = await freePort();
    const probeBot = bots[0]!;
    const probeUrl = `http://127.0.0.1:${port}/webhooks/${probeBot.token}`;
    const probeBody = ownerCopy(probeBot.profileId);
    const callsBefore = model.calls.length;
    const postsBefore = platform.posts.length;
    const secrets = writeBotFiles(dir, bots, LIFTED_LIMITS_YAML);
    const spawnedAt = performance.now();
    const starting = startBenchHost({ dir, secrets, platformUrl: platform.url, modelUrl: model.baseURL, env: { PORT: String(port), SQLITE_SYNCHRONOUS: SYNCHRONOUS }, logFile: join(dir, 'host.log') });

    // Knock every 5 ms until a webhook is acknowledged.
    let acceptedAt = Number.NaN;
    const deadline = spawnedAt + 60_000;
    while (performance.now() < deadline) {
      try {
        const response = await fetch(probeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: probeBody(), signal: AbortSignal.timeout(10_000) });
        await response.arrayBuffer();
        if (response.ok) {
          acceptedAt = performance.now();
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    const host = await starting;

    // Webhooks keep coming during the drain; the backlog is polled through a read-only connection.
    let emptyAt = Number.NaN;
    let last: Backlog = seeded;
    const watching = (async () => {
      while (performance.now() - spawnedAt < 600_000) {
        last = readBacklog(dbPathIn(dir));
        if (isEmpty(last)) {
          emptyAt = performance.now();
          return;
        }
        await sleep(100);
      }
    })();
    const probe = await openLoop({ url: probeUrl, ratePerSec: 50, durationMs: PLAN.probeMs, body: probeBody });
    await watching;
    await host.stop();
    if (!Number.isFinite(emptyAt)) throw new Error(`the backlog did not empty within 10 minutes: ${JSON.stringify(last)}`);

    const s = (ms: number) => `${fmt(ms / 1000)} s`;
    const events = seeded.inbox;
    const table = markdownTable(
      ['from the process spawn to', 'time'],
      [
        ['startHost() resolved: listening, backlog kicked (reported by the host)', s(host.ready.listeningAtMs)],
        ['the first webhook acknowledged', `**${s(acceptedAt - spawnedAt)}**`],
        [`an empty backlog: ${events} events processed, ${model.calls.length - callsBefore} model calls, ${platform.posts.length - postsBefore} replies posted`, `**${s(emptyAt - spawnedAt)}**`],
      ],
    );
    const probeTable = markdownTable(
      ['webhooks during the drain', 'sent', 'acked', 'p50 ms', 'p99 ms', 'max ms'],
      [[`50/s for the first ${PLAN.probeMs / 1000} s after the first ack`, probe.scheduled, probe.ok, fmt(probe.latency.p50), fmt(probe.latency.p99), fmt(probe.latency.max)]],
    );
    reportResult(args, {
      name: '5. Recovery',
      quick: args.quick,
      tables: [table, probeTable],
      targets: [
        {
          target: 'accepting webhooks ≤ 1 s after start with 10,000 pending',
          measured: `${s(acceptedAt - spawnedAt)} with ${events} pending`,
          met: events >= 10_000 ? acceptedAt - spawnedAt <= 1000 : null,
          ...(events < 10_000 ? { note: `quick run: ${events} pending` } : {}),
        },
      ],
      notes: [
        `${rentals.length} open rentals across ${PLAN.bots} bots with ${PLAN.perRental} unprocessed renter messages each; synchronous=${SYNCHRONOUS}; per-bot limits lifted; model answers at once; LLM_MAX_CONCURRENCY 8.`,
        `Drain rate: ${fmt(events / ((emptyAt - acceptedAt) / 1000))} events/s (replies are merged per rental when several messages wait: reply_policy merge).`,
        'The process is plain node on the esbuild bundle of the host (as `node dist/cli.js`); the time includes loading its modules.',
      ],
      data: { events, spawnToListeningMs: host.ready.listeningAtMs, spawnToAcceptMs: acceptedAt - spawnedAt, spawnToEmptyMs: emptyAt - spawnedAt, probe },
    });
  } finally {
    await model.close();
    await platform.close();
    removeDir(dir);
  }
}

runMain(main);
