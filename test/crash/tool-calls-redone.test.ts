/**
 * A turn whose model calls tools (a progress post, a DM to the owner, a feed post) is killed by
 * SIGKILL and redone after the restart, in each of the ways that matter: after all its tools ran
 * (during the model's last call), right after the platform accepted the DM or the feed post but
 * before the host recorded it, and after the DM was journaled but before it was sent. The model
 * asks for the same calls again each time; every DM, feed post and progress post still reaches
 * the emulator exactly once, and every renter message gets exactly one answer.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startSim } from '../../src/sim/index.js';
import type { FakeModelReply, FakeModelRequest, FakeModelScript } from '../fakes/fake-openai-server.js';
import { startFakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { drained, hostProcessSetup, type HostProcess } from '../helpers/host-process.js';
import { answerScript } from '../helpers/stack.js';
import { FIXTURE_BOT_ID, FIXTURE_OWNER_ID, testBot, waitFor } from '../helpers/test-host.js';

type Msg = { role: string; content: string | null };
const messagesOf = (request: FakeModelRequest) => request.body.messages as Msg[];
const call = (name: string, args: unknown): FakeModelReply => ({ content: null, tool_calls: [{ name, arguments: JSON.stringify(args) }] });

/**
 * The rounds: how the host dies during the turn for `task-<n>`. Tool writes through the
 * platform are the DM (1st) and the feed post (2nd); the progress post is an outbox row.
 */
const ROUNDS = [
  { n: 1, how: 'killed during the model call after all three tools ran', failpoints: undefined, killAfterTools: true },
  { n: 2, how: 'killed after the platform accepted the DM', failpoints: 'after-tool-write@1', killAfterTools: false },
  { n: 3, how: 'killed after the platform accepted the feed post', failpoints: 'after-tool-write@2', killAfterTools: false },
  { n: 4, how: 'killed after the DM was journaled, before it was sent', failpoints: 'before-tool-write@1', killAfterTools: false },
] as const;

describe('a turn with tool calls, interrupted by a crash and redone', () => {
  it('sends each DM, feed post and progress post exactly once', async () => {
    const sim = await startSim({ timeScale: 0.02 });
    onTestFinished(() => sim.close());
    const owner = sim.createHuman({ username: 'owner_01', id: FIXTURE_OWNER_ID });
    const renter = sim.createHuman({ username: 'renter_01' });
    const poster = sim.createHuman({ username: 'poster_01' });
    const bot = testBot({ name: 'research-helper' });
    sim.createBot({ ownerId: owner.id, username: 'research-helper-k3x9q', id: FIXTURE_BOT_ID, apiKey: bot.apiKey });
    // Round 4 replies to a human's post (replies skip the 3 free posts a day).
    const humanPost = sim.createPost({ authorId: poster.id, content: 'What should I read about BM25?' });

    let current: HostProcess | undefined;
    let killAfterTools = false;
    const toolResultsFor = new Map<number, string[][]>();
    // Like a real model at a temperature above 0, the script words its calls differently each
    // time it starts a task over: a redone turn that does not know what it already did would
    // post, DM and publish again in other words.
    const startsOf = new Map<number, number>();
    const script: FakeModelScript = (request, index) => {
      const messages = messagesOf(request);
      const lastUser = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
      const task = /task-(\d+)/.exec(lastUser)?.[1];
      if (!task) return answerScript(request, index);
      const n = Number(task);
      const results = messages.filter((m) => m.role === 'tool').map((m) => m.content ?? '');
      if (results.length === 0) startsOf.set(n, (startsOf.get(n) ?? 0) + 1);
      const words = (startsOf.get(n) ?? 1) > 1 ? ` (in other words, start ${startsOf.get(n)})` : '';
      if (results.length === 0) return call('post_progress', { text: `progress for task-${n}${words}` });
      if (results.length === 1) return call('send_dm', { to: 'owner', content: `dm for task-${n}${words}` });
      if (results.length === 2) {
        return call('create_feed_post', n === 4 ? { content: `feed for task-${n}${words}`, reply_to: humanPost.id } : { content: `feed for task-${n}${words}` });
      }
      toolResultsFor.set(n, [...(toolResultsFor.get(n) ?? []), results]);
      if (killAfterTools && current?.proc.pid) {
        killAfterTools = false;
        current.proc.kill('SIGKILL');
        return { hang: true };
      }
      return { content: `answer to task-${n}` };
    };
    const model = await startFakeOpenAiServer({ script });
    onTestFinished(() => model.close());
    const host = await hostProcessSetup({
      bot,
      simUrl: sim.url,
      modelUrl: model.baseURL,
      botYaml: 'tools:\n  allow: [post_progress, send_dm, create_feed_post]\n  dm_recipients: [owner]',
    });
    sim.setWebhookUrl(FIXTURE_BOT_ID, `http://127.0.0.1:${host.port}/webhooks/${bot.token}`);
    onTestFinished(() => {
      current?.proc.kill('SIGKILL');
    });

    const settled = (label: string, done: () => boolean) =>
      waitFor(
        label,
        () => {
          const db = host.readDb();
          try {
            return drained(db) && done();
          } finally {
            db.close();
          }
        },
        30_000,
      );
    const cleanRun = async (label: string, done: () => boolean) => {
      current = host.start();
      await waitFor(`${label}: host start`, () => host.healthy(), 20_000);
      await settled(label, done).catch((error: unknown) => {
        process.stdout.write(`${label}: host output:\n${current?.output()}\n`);
        throw error;
      });
      current.proc.kill('SIGKILL');
      await current.exited;
    };

    const rental = sim.startRental({ botId: FIXTURE_BOT_ID, renterId: renter.id, minutes: 30 });
    const botMessages = () => sim.rentalMessages(rental.id).filter((m) => m.sender_id === FIXTURE_BOT_ID).map((m) => m.content);
    await cleanRun('the greeting', () => botMessages().length >= 1);

    for (const round of ROUNDS) {
      current = host.start(round.failpoints ? { failpoints: round.failpoints } : {});
      await waitFor(`round ${round.n}: host start`, () => host.healthy(), 20_000);
      killAfterTools = round.killAfterTools;
      sim.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content: `task-${round.n}` });
      const outcome = await Promise.race([current.exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000))]);
      expect(outcome, `round ${round.n} (${round.how}): the host died at the planned moment`).toBe('SIGKILL');
      killAfterTools = false;
      await cleanRun(`round ${round.n}: after the restart`, () => botMessages().includes(`answer to task-${round.n}`));
    }

    const conversation = sim.conversationBetween(FIXTURE_BOT_ID, owner.id);
    expect(conversation).toBeDefined();
    const dms = sim.dmMessages(conversation!).map((m) => m.content);
    const feed = sim.feedPosts().filter((p) => p.author_id === FIXTURE_BOT_ID);
    const of = (n: number, what: string) => (text: string) => text === `${what} for task-${n}` || text.startsWith(`${what} for task-${n} (`);
    for (const { n, how } of ROUNDS) {
      expect(dms.filter(of(n, 'dm')), `the DM of task-${n} (${how})`).toHaveLength(1);
      expect(feed.map((p) => p.content).filter(of(n, 'feed')), `the feed post of task-${n} (${how})`).toHaveLength(1);
      expect(botMessages().filter(of(n, 'progress')), `the progress post of task-${n} (${how})`).toHaveLength(1);
      expect(botMessages().filter((c) => c === `answer to task-${n}`), `the answer to task-${n} (${how})`).toHaveLength(1);
      // The model saw all three tool results once per attempt that got that far: round 1's first
      // attempt died in that very call; the others died inside a tool.
      expect(toolResultsFor.get(n)!.length, `model calls after the tools of task-${n}`).toBe(n === 1 ? 2 : 1);
    }
    expect(feed.find((p) => of(4, 'feed')(p.content))?.parent_id).toBe(humanPost.id);
    // What the model was told on the redone turn: the journal's results, and for a write caught
    // in flight, that it had already happened.
    const redone = (n: number) => toolResultsFor.get(n)!.at(-1)!;
    expect(redone(1)).toEqual(toolResultsFor.get(1)![0]);
    expect(redone(2)[1]).toMatch(/done_before_restart/);
    expect(redone(3)[2]).toMatch(/done_before_restart/);
    expect(redone(4)[1]).toMatch(/"sent":true/);
    // No POST of a DM or a feed post beyond one per task.
    const writes = sim.requests.filter((r) => r.method === 'POST' && (r.path === '/api/messages' || r.path === '/api/feed') && r.profileId === FIXTURE_BOT_ID);
    expect(writes.filter((r) => r.status === 201)).toHaveLength(ROUNDS.length * 2);
  }, 180_000);
});
