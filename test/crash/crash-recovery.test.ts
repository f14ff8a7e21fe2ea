/**
 * The real host as a child process, against the emulator and the fake model, killed with
 * SIGKILL again and again: at named points (after the insert before the 2xx, during the model
 * call, after the model's answer, before and during the post) and at random moments. After the
 * last restart every acknowledged event must have been processed, every renter message must
 * have exactly one reply on the platform, and nothing may have been posted to an ended rental.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSim, type SimRental } from '../../src/sim/index.js';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { answerScript } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, FIXTURE_OWNER_ID, testBot, waitFor } from '../helpers/test-host.js';
import { tsxArgs } from '../helpers/tsx-node.js';

const MODES = ['after-insert-before-ack', 'during-llm', 'after-llm-answer', 'before-post', 'after-post-before-mark', 'random'] as const;
type Mode = (typeof MODES)[number];
const RESTARTS = 24;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('crash recovery', () => {
  it(`survives ${RESTARTS} SIGKILLs at named points and random moments: nothing lost, nothing twice, nothing after the end`, async () => {
    const sim = await startSim({ timeScale: 0.02 });
    onTestFinished(() => sim.close());
    let child: ChildProcess | undefined;
    let killOnNextModelCall = false;
    const model = await startFakeOpenAiServer({
      script: (request, index) => {
        if (killOnNextModelCall && child?.pid) {
          killOnNextModelCall = false;
          child.kill('SIGKILL');
          return { hang: true };
        }
        return answerScript(request, index);
      },
    });
    onTestFinished(() => model.close());

    const dir = mkdtempSync(join(tmpdir(), 'aa-crash-'));
    mkdirSync(join(dir, 'agents'));
    writeFileSync(join(dir, 'persona.md'), 'You are a careful research assistant.');
    const bot = testBot({ name: 'research-helper' });
    writeFileSync(
      join(dir, 'agents', 'research-helper.yaml'),
      `profile_id: ${FIXTURE_BOT_ID}\nowner_id: ${FIXTURE_OWNER_ID}\napi_key_env: BOT_KEY\nwebhook_token_env: BOT_TOKEN\npersona: ../persona.md\n`,
    );
    const port = await freePort();
    const dbPath = join(dir, 'aa-host.db');
    const owner = sim.createHuman({ username: 'owner_01', id: FIXTURE_OWNER_ID });
    const renter = sim.createHuman({ username: 'renter_01' });
    const buyer = sim.createHuman({ username: 'buyer_01' });
    sim.createBot({ ownerId: owner.id, username: 'research-helper-k3x9q', id: FIXTURE_BOT_ID, apiKey: bot.apiKey });
    const hookUrl = `http://127.0.0.1:${port}/webhooks/${bot.token}`;
    sim.setWebhookUrl(FIXTURE_BOT_ID, hookUrl);

    const startHost = (failpoints?: string) => {
      const proc = spawn(process.execPath, tsxArgs('src/cli.ts', 'start'), {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          PORT: String(port),
          HOST: '127.0.0.1',
          AGENTS_DIR: join(dir, 'agents'),
          DATABASE_URL: `sqlite:${dbPath}`,
          AGENTSACCESS_API: sim.url,
          OPENAI_BASE_URL: model.baseURL,
          LLM_MODEL: 'fake-model',
          LLM_TIMEOUT_MS: '5000',
          BOT_KEY: bot.apiKey,
          BOT_TOKEN: bot.token,
          TIMER_TICK_MS: '50',
          RECONCILE_INTERVAL_MS: '300',
          RECONCILE_IDLE_INTERVAL_MS: '300',
          NOTIFICATIONS_INTERVAL_MS: '500',
          LOG_LEVEL: 'warn',
          ...(failpoints ? { AA_FAILPOINTS: failpoints } : {}),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
      return { proc, exited };
    };
    const healthy = async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
      } catch {
        return false;
      }
    };

    const renterMessages: { rentalId: string; content: string }[] = [];
    const rentals: SimRental[] = [];
    let counter = 0;
    const kills: Record<string, number> = {};
    const readDb = () => new Database(dbPath, { readonly: true });

    /** A host with no failpoint, run until it has caught up with everything so far. */
    const cleanRun = async (label: string, before?: () => void) => {
      const host = startHost();
      child = host.proc;
      await waitFor(`${label}: host start`, healthy, 20_000);
      before?.();
      await waitFor(
        `${label}: every renter message answered and all work drained`,
        () => {
          const db = readDb();
          try {
            const open = db.prepare(`SELECT
                (SELECT count(*) FROM inbox WHERE status = 'pending') +
                (SELECT count(*) FROM turns WHERE status = 'pending') +
                (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending')) AS n`).get() as { n: number };
            const handled = db.prepare(`SELECT count(*) AS n FROM messages WHERE role = 'user' AND content LIKE 'msg-%'`).get() as { n: number };
            return open.n === 0 && handled.n >= renterMessages.length;
          } finally {
            db.close();
          }
        },
        45_000,
      ).catch((error: unknown) => {
        const db = readDb();
        const dump = {
          kills,
          expected: renterMessages.map((m) => m.content),
          handled: db.prepare(`SELECT actor_key, content FROM messages WHERE role = 'user'`).all(),
          inbox: db.prepare(`SELECT seq, event, status, note FROM inbox WHERE status = 'pending'`).all(),
          turns: db.prepare(`SELECT id, kind, status, attempts, note FROM turns WHERE status = 'pending'`).all(),
          outbox: db.prepare(`SELECT id, status, attempts, last_error FROM outbox WHERE status IN ('pending','sending')`).all(),
        };
        db.close();
        process.stdout.write(`crash test state: ${JSON.stringify(dump, null, 1)}\n`);
        throw error;
      });
      await sim.waitForDeliveries();
      return host;
    };

    for (let round = 0; round < RESTARTS; round++) {
      // Halfway, and at the start: a clean run catches up, then the renter ends the rental
      // while the host is up and a new rental starts. (A rental ended while its messages are
      // still unanswered could never be answered at all.)
      if (round % (RESTARTS / 2) === 0) {
        const host = await cleanRun(`checkpoint before round ${round}`);
        const current = rentals.at(-1);
        if (current) sim.endRental({ rentalId: current.id, byId: renter.id });
        rentals.push(sim.startRental({ botId: FIXTURE_BOT_ID, renterId: renter.id, minutes: 30 }));
        await sim.waitForDeliveries();
        host.proc.kill('SIGKILL');
        await host.exited;
      }
      const mode: Mode = MODES[round % MODES.length]!;
      const failpoint = mode === 'random' || mode === 'during-llm' ? undefined : mode;
      const host = startHost(failpoint);
      child = host.proc;
      await waitFor(`host start (round ${round})`, healthy, 20_000).catch(async (error: unknown) => {
        // A failpoint can fire while recovering the previous round's work, before /healthz answers.
        if (host.proc.exitCode === null && host.proc.signalCode === null) throw error;
      });
      if (mode === 'during-llm') killOnNextModelCall = true;

      const rental = rentals.at(-1)!;
      const content = `msg-${++counter}`;
      sim.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content });
      renterMessages.push({ rentalId: rental.id, content });
      if (round % 4 === 3) sim.sendDm({ fromId: buyer.id, toId: FIXTURE_BOT_ID, content: `dm-${counter}` });

      const deadline = mode === 'random' ? 50 + Math.floor(Math.random() * 500) : 2000;
      const outcome = await Promise.race([host.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), deadline))]);
      if (outcome === 'timeout') host.proc.kill('SIGKILL');
      const how = outcome === 'timeout' ? (mode === 'random' ? 'random' : `${mode} (not reached; killed)`) : mode;
      kills[how] = (kills[how] ?? 0) + 1;
      await host.exited;
      killOnNextModelCall = false;
    }

    // The last start: no failpoints. It catches up; then the renter ends the last rental.
    const final = await cleanRun('final', undefined);
    sim.endRental({ rentalId: rentals.at(-1)!.id, byId: renter.id });
    await sim.waitForDeliveries();
    await new Promise((r) => setTimeout(r, 300));
    final.proc.kill('SIGTERM');
    expect(await final.exited).toBe(0);

    const db = readDb();
    onTestFinished(() => {
      db.close();
    });
    process.stdout.write(`crash test kills: ${JSON.stringify(kills)}\n`);
    expect(Object.values(kills).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20);
    for (const mode of MODES) expect(kills[mode] ?? 0, `kills at ${mode}`).toBeGreaterThan(0);

    // 1. Every acknowledged event was processed.
    const acknowledged = sim.deliveries.filter((d) => d.url === hookUrl && d.status !== undefined && d.status >= 200 && d.status < 300);
    // Many deliveries fail while the host is down (the transcript diff recovers those); the rest were acknowledged.
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    for (const delivery of acknowledged) {
      const id = (delivery.payload as { data: { id: string } }).data.id;
      const row = db.prepare(`SELECT status FROM inbox WHERE dedupe_key = ?`).get(`n:${id}`) as { status: string } | undefined;
      expect(row, `${delivery.event} ${id}`).toBeDefined();
      expect(row!.status).not.toBe('pending');
    }

    // 2. Each renter message got exactly one reply on the platform. The host's sent outbox rows
    //    are exactly the bot's messages on the platform (as a multiset of texts), and each renter
    //    message has exactly one reply turn whose parts were sent.
    for (const r of rentals) {
      const onPlatform = sim
        .rentalMessages(r.id)
        .filter((m) => m.sender_id === FIXTURE_BOT_ID)
        .map((m) => m.content)
        .sort();
      const sent = (
        db.prepare(`SELECT body FROM outbox WHERE status = 'sent' AND path = ? ORDER BY id`).all(`/rentals/${r.id}/messages`) as { body: string }[]
      )
        .map((row) => (JSON.parse(row.body) as { content: string }).content)
        .sort();
      expect(onPlatform, `bot messages in rental ${r.id}`).toEqual(sent);
    }
    for (const message of renterMessages) {
      const platformMessage = sim.rentalMessages(message.rentalId).find((m) => m.content === message.content)!;
      const replies = db
        .prepare(
          // A reply turn merged into a later one (messages that arrived together) is answered by that turn.
          `SELECT count(DISTINCT coalesce(t.merged_into, t.id)) AS n FROM turns t JOIN messages m ON m.id = t.message_id
           JOIN outbox o ON o.turn_id = coalesce(t.merged_into, t.id)
           WHERE m.external_id = ? AND o.status = 'sent'`,
        )
        .get(platformMessage.id) as { n: number };
      expect(replies.n, `replies to ${message.content}`).toBe(1);
      const answered = sim.rentalMessages(message.rentalId).filter((m) => m.content === `answer to: ${message.content}`).length;
      expect(answered, `model answers to ${message.content} on the platform`).toBeLessThanOrEqual(1);
    }

    // 3. Nothing was posted to an ended rental: after its end (while the host was up), the host did
    //    not even try (no 201, and no 400 "ended" either).
    for (const r of rentals) {
      const endedAt = sim.getRental(r.id)!.ended_at;
      expect(endedAt).not.toBeNull();
      const posts = sim.requests.filter((q) => q.method === 'POST' && q.path === `/api/rentals/${r.id}/messages` && q.profileId === FIXTURE_BOT_ID);
      expect(posts.filter((q) => q.at.getTime() > Date.parse(endedAt!)), `posts to rental ${r.id} after its end`).toEqual([]);
    }
  }, 240_000);
});
