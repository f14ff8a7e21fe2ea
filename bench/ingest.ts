/**
 * 1. Ingest: webhook acknowledgements per second and ack latency, side by side in one run, for
 *    (a) aa-host with its durable commit, (b) a bare fastify route answering 200 (the ceiling on
 *    this machine) and (c) the platform's Flask reference receiver when Flask is installed.
 *    Closed loop (autocannon, rising connections: the knee) and open loop at fixed rates
 *    (latency from the scheduled send). Each load level runs against every server in turn, so
 *    drift on a shared machine hits them alike.
 *
 *    The full run then profiles aa-host (node --cpu-prof) under the same load: where the time goes.
 *
 *    npx tsx bench/ingest.ts [--quick] [--profile] [--json out.json]
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { dbPathIn, makeBenchDir, makeBots, removeDir, startBenchHost, writeBotFiles, type BenchBot } from './lib/bench-host.js';
import { startChild } from './lib/child.js';
import { parseBenchArgs, reportResult, runMain, type TargetResult } from './lib/cli-args.js';
import { closedLoop, type ClosedLoopResult } from './lib/closed-loop.js';
import { closedLoopHttp } from './lib/closed-loop-http.js';
import { summarizeCpuProfile } from './lib/cpu-profile.js';
import { openLoop, type OpenLoopResult } from './lib/open-loop.js';
import { ownerCopy, postLiked, type BodyFactory } from './lib/payloads.js';
import { findFlaskPython, startReferenceReceiver } from './lib/reference-receiver.js';
import { isEmpty, readBacklog } from './lib/seed-rentals.js';
import { fmt, markdownTable, pct, waitUntil } from './lib/stats.js';
import { startStubPlatform } from './lib/stub-platform.js';

interface Server {
  key: string;
  label: string;
  url: string;
  body: BodyFactory;
  /** The closed-loop generator: autocannon, or Node's HTTP client for a server that closes every connection. */
  closedLoop?: typeof closedLoop;
  /** Waits until the server has finished the work behind earlier acks (aa-host's backlog), so each level starts clean. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const settled = async () => {};

const args = parseBenchArgs();

const PLAN = args.quick
  ? { connections: [32], closedSec: 3, rates: [2000], openMs: 3000, variants: process.argv.includes('--variants'), profile: process.argv.includes('--profile') }
  : { connections: [1, 8, 32, 128], closedSec: 8, rates: [500, 1000, 2000, 4000], openMs: 8000, variants: true, profile: true };

/**
 * Where aa-host's time goes under closed-loop load: a separate host run with `node --cpu-prof`,
 * 32 connections for 5 s, for each payload.
 */
async function profileHost(dir: string, platformUrl: string, bot: BenchBot, payloads: [string, BodyFactory][]): Promise<string> {
  const rows: (string | number)[][] = [];
  const columns: string[] = [];
  const shares = new Map<string, string[]>();
  for (const [label, body] of payloads) {
    const hostDir = join(dir, `profile-${columns.length}`);
    const profileDir = join(hostDir, 'cpu-profiles');
    mkdirSync(profileDir, { recursive: true });
    const host = await startBenchHost({ dir: hostDir, secrets: writeBotFiles(hostDir, [bot]), platformUrl, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
    await closedLoop({ url: host.webhookUrl(bot), connections: 8, durationSec: 1, body });
    const load = await closedLoop({ url: host.webhookUrl(bot), connections: 32, durationSec: 5, body });
    await host.stop();
    const file = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(profileDir, name)).sort((a, b) => statSync(b).size - statSync(a).size)[0];
    if (!file) continue;
    columns.push(`${label} (${fmt(load.okPerSec)} acks/s under the profiler)`);
    for (const share of summarizeCpuProfile(file)) {
      if (!shares.has(share.category)) shares.set(share.category, []);
      shares.get(share.category)![columns.length - 1] = pct(share.share);
    }
  }
  for (const [category, values] of shares) rows.push([category, ...columns.map((_, i) => values[i] ?? '–')]);
  return markdownTable(['share of aa-host\'s busy CPU time', ...columns], rows);
}

async function main(): Promise<void> {
  const dir = makeBenchDir('ingest');
  const servers: Server[] = [];
  const notes: string[] = [];
  const catchUp: string[] = [];
  try {
    const platform = await startStubPlatform();
    const [bot] = makeBots(1);

    const startAaHost = async (key: string, label: string, env: Record<string, string>, body: BodyFactory) => {
      const hostDir = join(dir, key);
      const host = await startBenchHost({
        dir: hostDir,
        secrets: writeBotFiles(hostDir, [bot!]),
        platformUrl: platform.url,
        env,
      });
      const settle = async () => {
        const t0 = performance.now();
        await waitUntil(`${key} to finish its backlog`, () => isEmpty(readBacklog(dbPathIn(hostDir))), 300_000, 100);
        const ms = performance.now() - t0;
        if (ms > 500) catchUp.push(`${label}: ${fmt(ms / 1000)} s to process the backlog left by the previous level`);
      };
      servers.push({ key, label, url: host.webhookUrl(bot!), body, settle, stop: () => host.stop() });
    };
    await startAaHost('aa-host', 'aa-host, synchronous=FULL', { SQLITE_SYNCHRONOUS: 'FULL' }, postLiked(bot!.profileId));
    if (PLAN.variants) {
      await startAaHost('aa-host-owner-copy', 'aa-host, FULL, owner copies (stored only)', { SQLITE_SYNCHRONOUS: 'FULL' }, ownerCopy(bot!.profileId));
      await startAaHost('aa-host-normal', 'aa-host, synchronous=NORMAL', { SQLITE_SYNCHRONOUS: 'NORMAL' }, postLiked(bot!.profileId));
    }
    const bare = await startChild<{ url: string }>('bench/lib/bare-main.ts');
    servers.push({ key: 'bare', label: 'bare fastify route', url: `${bare.ready.url}/webhooks/x`, body: postLiked(bot!.profileId), settle: settled, stop: () => bare.stop() });

    const python = findFlaskPython();
    if (python.ok) {
      const receiver = await startReferenceReceiver({ dir, python: python.python, flask: python.flask, apiBase: platform.url, apiKey: bot!.apiKey });
      servers.push({
        key: 'flask',
        label: `Flask reference receiver (Flask ${python.flask})`,
        url: receiver.url,
        body: postLiked(bot!.profileId),
        // Werkzeug closes the connection after each answer; autocannon then stalls (one answer
        // per connection per run), so this server's closed loop uses Node's HTTP client.
        closedLoop: closedLoopHttp,
        settle: settled,
        stop: () => receiver.stop(),
      });
      notes.push(`Reference receiver: ${python.python}, Flask ${python.flask}, Werkzeug's threaded server via app.run (as the docs run it), bound to 127.0.0.1.`);
    } else {
      notes.push(`(c) skipped: ${python.reason}`);
      process.stdout.write(`(c) reference receiver skipped: ${python.reason}\n`);
    }

    // Warm-up: JIT, connection pools, SQLite pages.
    for (const server of servers) await (server.closedLoop ?? closedLoop)({ url: server.url, connections: 8, durationSec: 1, body: server.body });

    const closed = new Map<string, ClosedLoopResult[]>(servers.map((s) => [s.key, []]));
    for (const connections of PLAN.connections) {
      for (const server of servers) {
        await server.settle();
        const result = await (server.closedLoop ?? closedLoop)({ url: server.url, connections, durationSec: PLAN.closedSec, body: server.body });
        closed.get(server.key)!.push(result);
        process.stdout.write(`closed ${server.key} c=${connections}: ${fmt(result.okPerSec)}/s p99 ${fmt(result.p99)} ms\n`);
      }
    }
    const open = new Map<string, OpenLoopResult[]>(servers.map((s) => [s.key, []]));
    for (const rate of PLAN.rates) {
      for (const server of servers) {
        await server.settle();
        const result = await openLoop({ url: server.url, ratePerSec: rate, durationMs: PLAN.openMs, body: server.body, timeoutMs: 10_000, maxInFlight: 2000 });
        open.get(server.key)!.push(result);
        process.stdout.write(`open ${server.key} ${rate}/s: ${fmt(result.okPerSec)}/s p99 ${fmt(result.latency.p99)} ms\n`);
      }
    }

    const best = (key: string) => Math.max(0, ...(closed.get(key) ?? []).map((r) => r.okPerSec));
    const label = (key: string) => servers.find((s) => s.key === key)!.label;
    const closedTable = markdownTable(
      ['server', 'connections', 'acks/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors + timeouts'],
      servers.flatMap((s) => closed.get(s.key)!.map((r) => [s.label, r.connections, fmt(r.okPerSec), fmt(r.p50), fmt(r.p99), fmt(r.max), r.non2xx, r.errors + r.timeouts])),
    );
    const openTable = markdownTable(
      ['server', 'offered /s', 'acks/s', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors + timeouts', 'shed'],
      servers.flatMap((s) =>
        open.get(s.key)!.map((r) => [s.label, r.ratePerSec, fmt(r.okPerSec), fmt(r.latency.p50), fmt(r.latency.p99), fmt(r.latency.max), r.non2xx, r.errors + r.timeouts, r.shed]),
      ),
    );
    const a = best('aa-host');
    const b = best('bare');
    const c = servers.some((s) => s.key === 'flask') ? best('flask') : Number.NaN;
    const ratioRows: (string | number)[][] = [
      [label('aa-host'), fmt(a), '1'],
      [label('bare'), fmt(b), `a/b = ${pct(a / b)}`],
      ...(Number.isFinite(c) ? [[label('flask'), fmt(c), `a/c = ${fmt(a / c)}×`]] : []),
      ...(PLAN.variants ? ['aa-host-owner-copy', 'aa-host-normal'].map((key) => [label(key), fmt(best(key)), `${pct(best(key) / b)} of bare`]) : []),
    ];
    const ratioTable = markdownTable(['server', 'best acks/s (closed loop)', 'ratio'], ratioRows);

    const at2000 = open.get('aa-host')!.find((r) => r.ratePerSec === 2000);
    const targets: TargetResult[] = [
      { target: 'durable ingest ≥ 60 % of the bare route', measured: `${pct(a / b)} (${fmt(a)} vs ${fmt(b)} acks/s)`, met: a / b >= 0.6 },
      {
        target: 'durable ingest ≥ 10× the reference receiver',
        measured: Number.isFinite(c) ? `${fmt(a / c)}× (${fmt(a)} vs ${fmt(c)} acks/s)` : 'Flask not installed',
        met: Number.isFinite(c) ? a / c >= 10 : null,
      },
      {
        target: 'ack p99 ≤ 10 ms at 2,000 webhooks/s',
        measured: at2000 ? `p99 ${fmt(at2000.latency.p99)} ms (p50 ${fmt(at2000.latency.p50)}, max ${fmt(at2000.latency.max)}; ${at2000.ok}/${at2000.scheduled} acked)` : 'not run',
        met: at2000 ? at2000.latency.p99 <= 10 && at2000.ok === at2000.scheduled : null,
      },
    ];
    notes.push(
      "Payload: post_liked from test/fixtures/platform with a fresh data.id per request (no dedupe short-cut); aa-host stores it and applies the bot policy for it (log) in the same transaction. The owner-copy row is the ingest path alone (stored, never processed). The closed loop of the Flask receiver runs on Node's HTTP client (bench/lib/closed-loop-http.ts): its server closes every connection, which autocannon does not reconnect promptly.",
      'Latency in the open loop is from the scheduled send time; requests past 2,000 in flight are shed and counted.',
      'Before each level, the bench waits until every aa-host has processed what the previous level left (its inbox, turns and outbox empty), so each level starts clean.',
      ...catchUp,
    );
    for (const server of servers.splice(0)) await server.stop();
    const profileTable = PLAN.profile
      ? await profileHost(dir, platform.url, bot!, [
          ['post_liked', postLiked(bot!.profileId)],
          ['owner copies', ownerCopy(bot!.profileId)],
        ])
      : undefined;
    reportResult(args, {
      name: '1. Ingest',
      quick: args.quick,
      tables: [
        `Closed loop (${PLAN.closedSec} s per level)`,
        closedTable,
        `Open loop (${PLAN.openMs / 1000} s per rate)`,
        openTable,
        'Ratios',
        ratioTable,
        ...(profileTable ? ['Where aa-host\'s CPU goes (node --cpu-prof, 32 connections, synchronous=FULL)', profileTable] : []),
      ],
      targets,
      notes,
      data: { closed: Object.fromEntries(closed), open: Object.fromEntries(open) },
    });
    await platform.close();
  } finally {
    for (const server of servers) await server.stop().catch(() => {});
    removeDir(dir);
  }
}

runMain(main);
