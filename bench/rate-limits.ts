/**
 * 6. Rate limits: 50 bots share one provider cap of 600 model requests per minute
 *    (LLM_REQUESTS_PER_MINUTE=600) under overload, twice the cap offered. Every request's
 *    arrival at the fake model is recorded; the figures are the most arrivals in any 60-second
 *    window (sliding, to the millisecond) and the use of the cap in each whole minute.
 *    Full run: the real host, fresh rentals (each rental_request asks the model for a greeting)
 *    at 20/s for 150 s, per-bot limits at their defaults. --quick: the same queues
 *    (src/queue/bot-queues.ts) in this process with time compressed tenfold (a 6 s "minute"),
 *    their calls going to the fake model over HTTP.
 *
 *    npx tsx bench/rate-limits.ts [--quick] [--json out.json]
 */
import { join } from 'node:path';
import type { Bot } from '../src/config/bot-config.js';
import PQueue from 'p-queue';
import { createBotQueues, PRIORITY } from '../src/queue/bot-queues.js';
import { makeBenchDir, makeBots, removeDir, startBenchHost, writeBotFiles } from './lib/bench-host.js';
import { startBenchModel, type BenchModel } from './lib/bench-model.js';
import { parseBenchArgs, reportResult, runMain } from './lib/cli-args.js';
import { openLoop } from './lib/open-loop.js';
import { rentalRequest } from './lib/payloads.js';
import { planRentals, registerWithStub } from './lib/seed-rentals.js';
import { fmt, markdownTable, pct, sleep } from './lib/stats.js';
import { startStubPlatform } from './lib/stub-platform.js';

const args = parseBenchArgs();
const CAP = 600;
const BOTS = 50;
const PLAN = {
  ...(args.quick
    ? { minuteMs: 6000, offeredPerMinute: 2 * CAP, overloadMs: 15_000, modelDelayMs: 10 }
    : { minuteMs: 60_000, offeredPerMinute: 2 * CAP, overloadMs: 150_000, modelDelayMs: 200 }),
  ...(process.env.BENCH_PLAN ? (JSON.parse(process.env.BENCH_PLAN) as object) : {}),
};

interface Run {
  /** Model request arrival times (performance.now()), in the overload run. */
  arrivals: number[];
  /** When the offered load stopped. */
  loadEnd: number;
}

async function runHost(model: BenchModel): Promise<Run> {
  const dir = makeBenchDir('rates');
  const platform = await startStubPlatform();
  const bots = makeBots(BOTS);
  const ratePerSec = PLAN.offeredPerMinute / 60;
  const rentals = planRentals(bots, Math.ceil((ratePerSec * PLAN.overloadMs) / 1000 / BOTS));
  registerWithStub(platform, bots, rentals);
  const host = await startBenchHost({
    dir,
    secrets: writeBotFiles(dir, bots),
    platformUrl: platform.url,
    modelUrl: model.baseURL,
    env: { LLM_REQUESTS_PER_MINUTE: String(CAP) },
    logFile: join(dir, 'host.log'),
  });
  try {
    const from = model.calls.length;
    await openLoop({ url: (i) => host.webhookUrl(rentals[i]!.bot), ratePerSec, durationMs: PLAN.overloadMs, body: (i) => rentalRequest(rentals[i]!) });
    return { arrivals: model.calls.slice(from).map((call) => call.at), loadEnd: performance.now() };
  } finally {
    await host.stop(3000);
    await platform.close();
    removeDir(dir);
  }
}

/** The same queues in this process, time compressed: `minuteMs` stands for a minute. */
async function runQueues(model: BenchModel, minuteMs: number): Promise<Run> {
  const queues = createBotQueues({ hostLlmConcurrency: 8, hostLlmRequestsPerMinute: CAP, minuteMs });
  const bots = makeBots(BOTS).map(
    (b) => ({ profileId: b.profileId, name: b.name, limits: { llm_concurrency: 2, llm_requests_per_minute: 60, platform_requests_per_minute: 60 } }) as Bot,
  );
  const from = model.calls.length;
  const send = queues.llmFetch(fetch);
  const call = () =>
    send(`${model.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"fake-model","messages":[]}' }).then((r) => r.arrayBuffer());
  const perTick = (PLAN.offeredPerMinute / minuteMs) * 50;
  const calls: Promise<unknown>[] = [];
  const start = performance.now();
  const overloadMs = (PLAN.overloadMs / PLAN.minuteMs) * minuteMs;
  for (let tick = 0; performance.now() - start < overloadMs; tick++) {
    for (let i = 0; i < perTick; i++) calls.push(queues.runLlm(bots[(tick * perTick + i) % BOTS]!, PRIORITY.rental, call).catch(() => {}));
    await sleep(50);
  }
  const loadEnd = performance.now();
  // What was admitted by the end of the overload is what counts; the rest drains unobserved.
  const arrivals = model.calls.slice(from).map((c) => c.at).filter((t) => t <= loadEnd);
  return { arrivals, loadEnd };
}

/** p-queue's own rate limit (fixed windows), as a host-wide cap would be with intervalCap. */
function fixedWindowQueues(minuteMs: number) {
  const host = new PQueue({ concurrency: 8, intervalCap: CAP, interval: minuteMs });
  return { runLlm: <T>(_bot: Bot, priority: number, task: () => Promise<T>) => host.add(task, { priority }) };
}

/** One call, then twice the cap at once just before the first window ends: fixed windows let both windows' worth through together. */
async function lateBurst(model: BenchModel, fixedWindows: boolean): Promise<number> {
  const minuteMs = 6000;
  const queues = fixedWindows ? fixedWindowQueues(minuteMs) : createBotQueues({ hostLlmConcurrency: 8, hostLlmRequestsPerMinute: CAP, minuteMs });
  const bot = { profileId: 'burst', name: 'burst', limits: { llm_concurrency: 1000, llm_requests_per_minute: 100_000, platform_requests_per_minute: 60 } } as Bot;
  const from = model.calls.length;
  const call = () =>
    fetch(`${model.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":"fake-model","messages":[]}' }).then((r) => r.arrayBuffer());
  void queues.runLlm(bot, PRIORITY.rental, call);
  await sleep(5500);
  for (let i = 0; i < 2 * CAP; i++) void queues.runLlm(bot, PRIORITY.rental, call).catch(() => {});
  await sleep(2 * minuteMs);
  return mostInAnyWindow(model.calls.slice(from).map((c) => c.at).sort((a, b) => a - b), minuteMs);
}

interface Figures {
  most: number;
  perMinute: number[];
  utilisation: number;
}

/**
 * Utilisation is the mean, over every window of a minute that starts between the first arrival
 * and a minute before the load stopped, of its arrivals over the cap: whole minutes counted from
 * the first arrival would flatter a cap that admits in bursts.
 */
function figures(run: Run, minuteMs: number): Figures {
  const arrivals = [...run.arrivals].sort((a, b) => a - b);
  if (arrivals.length === 0) throw new Error('no model requests arrived');
  const first = arrivals[0]!;
  const whole = Math.max(1, Math.floor((run.loadEnd - first) / minuteMs));
  const perMinute = Array.from({ length: whole }, (_, m) => arrivals.filter((t) => t >= first + m * minuteMs && t < first + (m + 1) * minuteMs).length);
  const from = first;
  const to = Math.max(first + 1, run.loadEnd - minuteMs);
  // Each arrival at `a` is in the windows starting in (a - minute, a]: its share of [from, to].
  const covered = arrivals.reduce((sum, a) => sum + Math.max(0, Math.min(a, to) - Math.max(a - minuteMs, from)), 0);
  return { most: mostInAnyWindow(arrivals, minuteMs), perMinute, utilisation: covered / (to - from) / CAP };
}

/** Most arrivals within any window of `windowMs` starting at an arrival. */
export function mostInAnyWindow(sorted: number[], windowMs: number): number {
  let most = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j]! < sorted[i]! + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

async function main(): Promise<void> {
  const model = await startBenchModel({ delayMs: PLAN.modelDelayMs });
  try {
    const run = args.quick ? await runQueues(model, PLAN.minuteMs) : await runHost(model);
    const { most, perMinute, utilisation } = figures(run, PLAN.minuteMs);
    const over = perMinute.filter((count) => count > CAP).length;
    // For comparison (full run only): a burst that lands late in a window, against both kinds of cap.
    model.setDelayMs(5);
    const burst = args.quick ? undefined : { sliding: await lateBurst(model, false), fixed: await lateBurst(model, true) };
    const minute = args.quick ? `${PLAN.minuteMs / 1000} s "minute"` : '60 s';
    const table = markdownTable(
      ['figure', 'value'],
      [
        ['offered', `${PLAN.offeredPerMinute} model calls per ${minute} (${fmt(PLAN.offeredPerMinute / CAP)}× the cap), ${BOTS} bots`],
        [`most requests in any ${minute} window (sliding)`, `**${most}** (cap ${CAP})`],
        [`requests in each whole ${minute} from the first`, perMinute.join(', ')],
        [`utilisation of the cap: mean over every ${minute} window in the overload`, `**${pct(utilisation)}**`],
        ...(burst
          ? [
              [
                'for comparison: one call, then 2× the cap at once 5.5 s later (6 s "minute"): most in any sliding window',
                `sliding-window cap: ${burst.sliding}; p-queue intervalCap (fixed windows): ${burst.fixed}`,
              ],
            ]
          : []),
      ],
    );
    reportResult(args, {
      name: '6. Rate limits',
      quick: args.quick,
      tables: [table],
      targets: [
        { target: '0 windows over the cap', measured: `most in any sliding window ${most}; ${over} whole windows over ${CAP}`, met: most <= CAP },
        { target: '≥ 95 % utilisation', measured: pct(utilisation), met: utilisation >= 0.95 },
      ],
      notes: [
        args.quick
          ? 'Quick run: the host\'s queues (src/queue/bot-queues.ts) in the bench process, minute compressed to 6 s; each admitted call is a real HTTP request to the fake model.'
          : `The real host with LLM_REQUESTS_PER_MINUTE=${CAP}, LLM_MAX_CONCURRENCY 8, per-bot defaults (2 in flight, 60/min); model answers in ${PLAN.modelDelayMs} ms.`,
        'The host-wide cap is a sliding window over the last 600 requests, counted from when each request is sent (the model client\'s fetch restamps its admission), with a margin of 1 s per minute for the network (src/queue/sliding-window-limit.ts). p-queue\'s intervalCap counts fixed windows, which lets up to twice the cap through around a window boundary.',
      ],
      data: { arrivals: process.env.BENCH_SERIES ? run.arrivals : run.arrivals.length, perMinute, most, burst },
    });
  } finally {
    await model.close();
  }
}

runMain(main);
