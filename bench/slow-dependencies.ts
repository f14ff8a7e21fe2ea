/**
 * 2. Slow dependencies: the model answers in 15 s and the platform API in 12 s. The emulator
 *    (src/sim) delivers real webhooks with the platform's 10 s timeout to aa-host and to the
 *    Flask reference receiver (which calls the platform API inside the request); every first
 *    attempt not answered 2xx within 10 s is a delivery the platform retries 30 s later.
 *    --quick compresses time tenfold (timeout 1 s, model 1.5 s, platform 1.2 s); the reference
 *    receiver's own 10 s request timeout is in its code and does not scale, which changes
 *    nothing: it still waits for the platform before answering.
 *
 *    npx tsx bench/slow-dependencies.ts [--quick] [--json out.json]
 */
import { join } from 'node:path';
import { startSim, type SimDelivery } from '../src/sim/index.js';
import { makeBenchDir, makeBots, removeDir, startBenchHost, writeBotFiles } from './lib/bench-host.js';
import { startBenchModel } from './lib/bench-model.js';
import { parseBenchArgs, reportResult, runMain, type TargetResult } from './lib/cli-args.js';
import { findFlaskPython, startReferenceReceiver, type ReferenceReceiver } from './lib/reference-receiver.js';
import { fmt, markdownTable, sleep, summarize, waitUntil } from './lib/stats.js';

const args = parseBenchArgs();
const SCALE = args.quick ? 0.1 : 1;
const PLAN = args.quick ? { messages: 10 } : { messages: 20 };
const MODEL_MS = 15_000 * SCALE;
const PLATFORM_MS = 12_000 * SCALE;
const TIMEOUT_MS = 10_000 * SCALE;

async function main(): Promise<void> {
  const dir = makeBenchDir('slow');
  const sim = await startSim({ timeScale: SCALE, faults: { apiHangMs: PLATFORM_MS } });
  const model = await startBenchModel({ delayMs: MODEL_MS });
  const [hostBot, flaskBot] = makeBots(2) as [ReturnType<typeof makeBots>[0], ReturnType<typeof makeBots>[0]];
  const owner = sim.createHuman({ username: 'owner_01' });
  for (const bot of [hostBot, flaskBot]) {
    bot.ownerId = owner.id;
    sim.createBot({ ownerId: owner.id, username: bot.name, id: bot.profileId, apiKey: bot.apiKey });
  }
  const host = await startBenchHost({ dir, secrets: writeBotFiles(dir, [hostBot]), platformUrl: sim.url, modelUrl: model.baseURL, logFile: join(dir, 'host.log') });
  sim.setWebhookUrl(hostBot.profileId, host.webhookUrl(hostBot));

  const python = findFlaskPython();
  let receiver: ReferenceReceiver | undefined;
  const notes: string[] = [];
  if (python.ok) {
    receiver = await startReferenceReceiver({ dir, python: python.python, flask: python.flask, apiBase: sim.url, apiKey: flaskBot.apiKey });
    sim.setWebhookUrl(flaskBot.profileId, receiver.url);
  } else {
    notes.push(`Reference receiver skipped: ${python.reason}`);
    process.stdout.write(`reference receiver skipped: ${python.reason}\n`);
  }

  try {
    const bots = receiver ? [hostBot, flaskBot] : [hostBot];
    // The platform allows one active rental per bot: one rental each, and a renter who writes
    // a message every half second (scaled) while the answers are slow.
    const renter = sim.createHuman({ username: 'renter_01' });
    const rentals = bots.map((bot) => sim.startRental({ botId: bot.profileId, renterId: renter.id, minutes: 60 }));
    for (let m = 0; m < PLAN.messages; m++) {
      await sleep(500 * SCALE);
      for (const rental of rentals) sim.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content: `Question ${m + 1}: what changed since yesterday?` });
    }
    const expected = 1 + PLAN.messages;
    const firstAttempts = (bot: typeof hostBot) => sim.deliveries.filter((d) => d.attempt === 1 && !d.duplicate && d.url.includes(bot === hostBot ? '/webhooks/' : '/aa'));
    await waitUntil(
      'every first delivery attempt answered or timed out',
      () => bots.every((bot) => firstAttempts(bot).length >= expected && firstAttempts(bot).every((d) => d.finishedAt)),
      TIMEOUT_MS * 3 + 30_000,
      50,
    );

    const rows = bots.map((bot) => {
      const attempts = firstAttempts(bot);
      const acked = attempts.filter((d) => d.status !== undefined && d.status >= 200 && d.status < 300 && ms(d) < TIMEOUT_MS);
      const latency = summarize(attempts.map(ms));
      return {
        label: bot === hostBot ? 'aa-host' : `Flask reference receiver (Flask ${receiver?.flask})`,
        deliveries: attempts.length,
        acked: acked.length,
        retried: attempts.length - acked.length,
        latency,
      };
    });
    const table = markdownTable(
      ['receiver', 'deliveries', `answered 2xx within ${TIMEOUT_MS / 1000} s`, 'retried by the platform', 'ack p50 ms', 'ack p99 ms', 'max ms'],
      rows.map((r) => [r.label, r.deliveries, r.acked, `**${r.retried}**`, fmt(r.latency.p50), fmt(r.latency.p99), fmt(r.latency.max)]),
    );
    const aa = rows[0]!;
    const flask = rows[1];
    const targets: TargetResult[] = [
      {
        target: '0 retries with slow dependencies',
        measured: `aa-host ${aa.retried} of ${aa.deliveries}${flask ? `; reference receiver ${flask.retried} of ${flask.deliveries}` : ''}`,
        met: aa.retried === 0,
      },
    ];
    notes.push(
      `Model ${MODEL_MS / 1000} s, platform API ${PLATFORM_MS / 1000} s, platform webhook timeout ${TIMEOUT_MS / 1000} s${args.quick ? ' (time compressed ×0.1)' : ''}; one rental per receiver (the platform allows one active rental per bot): its rental_request and ${PLAN.messages} renter messages, one every ${500 * SCALE} ms.`,
      'Ack times are the emulator\'s (millisecond Date stamps around its fetch).',
    );
    reportResult(args, { name: '2. Slow dependencies', quick: args.quick, tables: [table], targets, notes, data: rows });
  } finally {
    await host.stop(1000);
    await receiver?.stop();
    await sim.close();
    await model.close();
    removeDir(dir);
  }
}

function ms(delivery: SimDelivery): number {
  return (delivery.finishedAt?.getTime() ?? Number.NaN) - delivery.startedAt.getTime();
}

runMain(main);
