/**
 * SIGTERM to the real host (a child process) while a model call is in flight. The host exits 0
 * within 10 s either way: a call that answers within the grace period finishes its turn, whose
 * reply goes out at the next start; a longer one is stopped, and the turn is redone after the
 * restart without that run counting as an attempt, so even two deploys during one slow call end
 * with the model's answer, not the fallback reply. Each time the renter gets exactly one reply.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import { startFakeOpenAiServer, type FakeModelScript } from '../fakes/fake-openai-server.js';
import { drained, hostProcessSetup, type HostProcess } from '../helpers/host-process.js';
import { answerScript } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, FIXTURE_OWNER_ID, testBot, waitFor } from '../helpers/test-host.js';

const QUESTION = 'a question that takes the model a while';

async function setup(slowMs: () => number) {
  const sim = await startSim({ timeScale: 0.02 });
  onTestFinished(() => sim.close());
  const owner = sim.createHuman({ username: 'owner_01', id: FIXTURE_OWNER_ID });
  const renter = sim.createHuman({ username: 'renter_01' });
  const bot = testBot({ name: 'research-helper' });
  sim.createBot({ ownerId: owner.id, username: 'research-helper-k3x9q', id: FIXTURE_BOT_ID, apiKey: bot.apiKey });
  const asked: number[] = [];
  const script: FakeModelScript = (request, index) => {
    const reply = answerScript(request, index);
    const messages = request.body.messages as { role: string; content: string }[];
    if (!messages.some((m) => m.role === 'user' && m.content.includes(QUESTION))) return reply;
    asked.push(Date.now());
    return { ...(reply as { content: string }), delayMs: slowMs() };
  };
  const model = await startFakeOpenAiServer({ script });
  onTestFinished(() => model.close());
  const host = await hostProcessSetup({ bot, simUrl: sim.url, modelUrl: model.baseURL });
  sim.setWebhookUrl(FIXTURE_BOT_ID, `http://127.0.0.1:${host.port}/webhooks/${bot.token}`);
  let current: HostProcess | undefined;
  onTestFinished(() => {
    current?.proc.kill('SIGKILL');
  });
  const start = async () => {
    current = host.start();
    await waitFor('host start', () => host.healthy(), 20_000);
    return current;
  };
  /** SIGTERM; resolves with the exit code and how long the host took to exit. */
  const term = async (proc: HostProcess) => {
    const sentAt = Date.now();
    proc.proc.kill('SIGTERM');
    const code = await proc.exited;
    return { code, ms: Date.now() - sentAt };
  };
  const rental = sim.startRental({ botId: FIXTURE_BOT_ID, renterId: renter.id, minutes: 30 });
  const botMessages = () => sim.rentalMessages(rental.id).filter((m) => m.sender_id === FIXTURE_BOT_ID).map((m) => m.content);
  const turnOf = () => {
    const db = host.readDb();
    try {
      return db.prepare(`SELECT t.status, t.attempts FROM turns t JOIN messages m ON m.id = t.message_id WHERE m.content LIKE ?`).get(`%${QUESTION}%`) as
        | { status: string; attempts: number }
        | undefined;
    } finally {
      db.close();
    }
  };
  const settled = () => {
    const db = host.readDb();
    try {
      return drained(db);
    } finally {
      db.close();
    }
  };
  return { sim, renter, rental, asked, start, term, botMessages, turnOf, settled };
}

describe('SIGTERM while a model call is in flight', () => {
  it('stops a long call, exits within 10 s, and redoes the turn after the restart without counting the attempt (twice)', async () => {
    let slow = true;
    const t = await setup(() => (slow ? 60_000 : 0));
    let host = await t.start();
    await waitFor('the greeting', () => t.botMessages().length === 1, 15_000);
    t.sim.postRentalMessage({ rentalId: t.rental.id, senderId: t.renter.id, content: QUESTION });

    // Two deploys, each during the same slow model call.
    for (const deploy of [1, 2]) {
      await waitFor(`the model call (deploy ${deploy})`, () => t.asked.length === deploy, 15_000);
      const { code, ms } = await t.term(host);
      expect(code, `exit code (deploy ${deploy})`).toBe(0);
      expect(ms, `time to exit (deploy ${deploy})`).toBeLessThan(10_000);
      expect(t.turnOf(), `the turn after deploy ${deploy}`).toEqual({ status: 'pending', attempts: 0 });
      host = await t.start();
    }
    slow = false;
    await waitFor('the redone turn', () => t.asked.length === 3, 15_000);
    await waitFor('the reply', () => t.botMessages().length === 2 && t.settled(), 15_000);
    expect(t.botMessages()).toEqual([expect.any(String), `answer to: ${QUESTION}`]);
    expect(t.turnOf()).toEqual({ status: 'done', attempts: 1 });
    expect((await t.term(host)).code).toBe(0);
  }, 90_000);

  it('lets a call that answers within the grace period finish its turn, and posts its reply once', async () => {
    const t = await setup(() => 2000);
    const host = await t.start();
    await waitFor('the greeting', () => t.botMessages().length === 1, 15_000);
    t.sim.postRentalMessage({ rentalId: t.rental.id, senderId: t.renter.id, content: QUESTION });
    await waitFor('the model call', () => t.asked.length === 1, 15_000);
    const { code, ms } = await t.term(host);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expect(t.turnOf()).toEqual({ status: 'done', attempts: 1 });

    const again = await t.start();
    await waitFor('the reply', () => t.botMessages().length === 2 && t.settled(), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(t.botMessages()).toEqual([expect.any(String), `answer to: ${QUESTION}`]);
    expect(t.asked).toHaveLength(1);
    expect((await t.term(again)).code).toBe(0);
  }, 60_000);
});
