/**
 * 4. Scale: many open rentals across many bots in one process. The rentals are opened by a
 *    seeding run of the host itself (bench/lib/seed-rentals.ts) and are on disk when the
 *    measured host starts. Memory (RSS and V8 heap after a full GC) is compared with the same
 *    bots and no rentals, once idle and once every rental has had an event; each of those
 *    events goes to a cold rental (not touched since the process started: its actor is loaded
 *    from its SQLite snapshot), and the time from the webhook to the model request is recorded.
 *
 *    npx tsx bench/scale.ts [--quick] [--json out.json]
 */
import { join } from 'node:path';
import { dbPathIn, makeBenchDir, makeBots, removeDir, startBenchHost, writeBotFiles, type BenchBot } from './lib/bench-host.js';
import { startBenchModel } from './lib/bench-model.js';
import { parseBenchArgs, reportResult, runMain } from './lib/cli-args.js';
import type { MemoryFigures } from './lib/host-main.js';
import { openLoop } from './lib/open-loop.js';
import { isEmpty, LIFTED_LIMITS_YAML, openRentalsThroughHost, planRentals, readBacklog, registerWithStub } from './lib/seed-rentals.js';
import { fmt, markdownTable, sleep, summarize, waitUntil } from './lib/stats.js';
import { startStubPlatform, type StubPlatform } from './lib/stub-platform.js';

const args = parseBenchArgs();
const PLAN = args.quick
  ? { bots: 10, perBot: 100, coldRate: 20, coldEvents: 100, floodRate: 400, settleMs: 3000 }
  : { bots: 100, perBot: 100, coldRate: 20, coldEvents: 400, floodRate: 400, settleMs: 10_000 };
const MB = 1024 * 1024;

async function main(): Promise<void> {
  const platform = await startStubPlatform();
  const model = await startBenchModel({ delayMs: 0 });
  const bots = makeBots(PLAN.bots);
  const rentals = planRentals(bots, PLAN.perBot);
  registerWithStub(platform, bots, rentals);
  const dirs = [makeBenchDir('scale-empty'), makeBenchDir('scale')] as const;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const measuredHost = (dir: string) =>
      startBenchHost({
        dir,
        secrets: writeBotFiles(dir, bots, LIFTED_LIMITS_YAML),
        platformUrl: platform.url,
        modelUrl: model.baseURL,
        nodeFlags: ['--expose-gc'],
        logFile: join(dir, 'host.log'),
      });

    // The same bots with no rentals: the baseline.
    const empty = await measuredHost(dirs[0]);
    await sleep(PLAN.settleMs);
    const baseline = await empty.call<MemoryFigures>('memory');
    await empty.stop();
    log(`baseline (${PLAN.bots} bots, no rentals): RSS ${fmt(baseline.rss / MB)} MB, heap ${fmt(baseline.heapUsed / MB)} MB`);

    const seeding = await openRentalsThroughHost({ dir: dirs[1], bots, rentals, platform, log });
    const host = await measuredHost(dirs[1]);
    const startMs = host.ready.listeningAtMs;
    await sleep(PLAN.settleMs);
    await waitUntil('the start-up reconciliation to finish', () => isEmpty(readBacklog(dbPathIn(dirs[1]))), 120_000, 200);
    const idle = await host.call<MemoryFigures>('memory');
    log(`${rentals.length} open rentals, idle: RSS ${fmt(idle.rss / MB)} MB, heap ${fmt(idle.heapUsed / MB)} MB`);

    // Cold rentals at a steady rate (as bench 3 does for warm ones), then one event to every
    // other rental as fast as the host takes them, so that every rental has been loaded once.
    const countsBefore = new Map(platform.counts);
    const sentAt: number[] = [];
    const callsBefore = model.calls.length;
    const postsBefore = platform.posts.length;
    const message = (i: number) => platform.renterSays(rentals[i]!, `[bench:${i}] Anything new on my question?`);
    const coldLoad = await openLoop({
      url: (i) => host.webhookUrl(rentals[i]!.bot),
      ratePerSec: PLAN.coldRate,
      durationMs: (PLAN.coldEvents / PLAN.coldRate) * 1000,
      body: message,
      onSent: (i, at) => (sentAt[i] = at),
    });
    await waitUntil('the cold events answered', () => platform.posts.length - postsBefore >= PLAN.coldEvents, 120_000, 100);
    const flood = await openLoop({
      url: (i) => host.webhookUrl(rentals[i + PLAN.coldEvents]!.bot),
      ratePerSec: PLAN.floodRate,
      durationMs: ((rentals.length - PLAN.coldEvents) / PLAN.floodRate) * 1000,
      body: (i) => message(i + PLAN.coldEvents),
      maxInFlight: 100_000,
      timeoutMs: 120_000,
    });
    await waitUntil('a reply in every rental', () => platform.posts.length - postsBefore >= rentals.length && isEmpty(readBacklog(dbPathIn(dirs[1]))), 600_000, 200);
    await sleep(PLAN.settleMs);
    const touched = await host.call<MemoryFigures>('memory');
    await host.stop();
    log(`${rentals.length} open rentals, each touched once: RSS ${fmt(touched.rss / MB)} MB, heap ${fmt(touched.heapUsed / MB)} MB`);
    const platformCalls = [...platform.counts].map(([kind, count]) => `${kind} ${count - (countsBefore.get(kind) ?? 0)}`).join(', ');

    const cold = summarize(
      model.calls.slice(callsBefore).flatMap((call) => {
        const i = Number(call.marker);
        const sent = i < PLAN.coldEvents ? sentAt[i] : undefined;
        return sent === undefined ? [] : [call.at - sent];
      }),
    );
    const n = rentals.length;
    const perRental = (a: number, b: number) => `${fmt((b - a) / n / 1024)} KB`;
    const memoryTable = markdownTable(
      ['state', 'RSS MB', 'heap used MB', 'RSS per open rental', 'heap per open rental'],
      [
        [`${PLAN.bots} bots, no rentals`, fmt(baseline.rss / MB), fmt(baseline.heapUsed / MB), '', ''],
        [`${n} open rentals, idle`, fmt(idle.rss / MB), fmt(idle.heapUsed / MB), perRental(baseline.rss, idle.rss), perRental(baseline.heapUsed, idle.heapUsed)],
        [`${n} open rentals, each had one turn`, fmt(touched.rss / MB), fmt(touched.heapUsed / MB), perRental(baseline.rss, touched.rss), perRental(baseline.heapUsed, touched.heapUsed)],
      ],
    );
    const coldTable = markdownTable(
      ['interval', 'events', 'p50 ms', 'p99 ms', 'max ms'],
      [[`webhook sent → first byte of the model request, cold rental, ${PLAN.coldRate} events/s`, cold.count, fmt(cold.p50), fmt(cold.p99), fmt(cold.max)]],
    );
    const peak = Math.max(idle.rss, touched.rss);
    reportResult(args, {
      name: '4. Scale',
      quick: args.quick,
      tables: [memoryTable, coldTable],
      targets: [
        {
          target: `≤ 300 MB for 10,000 rentals`,
          measured: `${fmt(peak / MB)} MB RSS with ${n} open rentals (${fmt((peak - baseline.rss) / MB)} MB above ${PLAN.bots} idle bots)`,
          met: n >= 10_000 ? peak <= 300 * MB : null,
          ...(n < 10_000 ? { note: `quick run: ${n} rentals` } : {}),
        },
      ],
      notes: [
        `Seeding ${n} rentals through the host took ${fmt(seeding.seconds)} s; the measured host started listening ${fmt(startMs)} ms after its process started (plain node on the esbuild bundle, including module loading).`,
        `${coldLoad.ok + flood.ok}/${coldLoad.scheduled + flood.scheduled} events acknowledged (the rest of the rentals at ${PLAN.floodRate}/s: ${fmt(flood.okPerSec)} acks/s); platform calls of the measured host: ${platformCalls}.`,
        'Per-bot limits lifted (llm and platform 100,000/min) so the run measures the host; the reconciler runs with its defaults (it polls every busy bot at start and diffs each live rental\'s transcript).',
        'The platform itself allows one active rental per bot; 10,000 across 100 bots is a stress figure for the host.',
      ],
      data: { baseline, idle, touched, cold, startMs, seedingSeconds: seeding.seconds },
    });
  } finally {
    await model.close();
    await platform.close();
    for (const dir of dirs) removeDir(dir);
  }
}

export type { BenchBot, StubPlatform };
runMain(main);
