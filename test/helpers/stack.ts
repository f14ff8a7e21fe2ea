/**
 * The whole product on 127.0.0.1 for a test: the AgentsAccess emulator, the scripted fake model
 * server, and a real host whose bots exist on the emulator with their webhook URLs set.
 */
import { onTestFinished } from 'vitest';
import { startSim, type Sim, type SimOptions } from '../../src/sim/index.js';
import { startFakeOpenAiServer, type FakeModelScript, type FakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { FIXTURE_BOT_ID, FIXTURE_BUYER_ID, FIXTURE_OWNER_ID, startTestHost, testBot, type TestBot, type TestHost } from './test-host.js';

export interface Stack {
  sim: Sim;
  model: FakeOpenAiServer | undefined;
  host: TestHost;
  bot: TestBot;
  ownerId: string;
  renterId: string;
  buyerId: string;
  /** Bot-authored messages in a rental, oldest first. */
  botMessages(rentalId: string): string[];
  /** Moves the platform's clock and the host's clock forward together. */
  advance(ms: number): void;
  /** Requests the host made to post into this rental. */
  rentalPosts(rentalId: string): { status: number; at: Date; body: unknown }[];
}

/** The default fake model: answers `answer to: <last user message>` (the speaker label stripped). */
export const answerScript: FakeModelScript = (request) => {
  const messages = request.body.messages as { role: string; content: string }[];
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  const task = messages.at(-1)?.role === 'system' && messages.length > 1 ? messages.at(-1)!.content : null;
  if (task && (!lastUser || messages.at(-1) !== lastUser)) return { content: `model: ${task.split('.')[0]}` };
  return { content: `answer to: ${lastUser?.content.replace(/^\[[^\]]+\] /, '') ?? '(nothing)'}` };
};

/** Like answerScript, but every answer also says the renter's task is complete (no further work steps). */
export const completingScript: FakeModelScript = async (request, index) => {
  const reply = await answerScript(request, index);
  return 'content' in reply ? { ...reply, content: `${reply.content}\n[work complete]` } : reply;
};

export async function startStack(options: {
  script?: FakeModelScript;
  noModel?: boolean;
  sim?: SimOptions;
  env?: Record<string, string>;
  ownerWebhookToBot?: boolean;
  /** Extra YAML lines for the bot file. */
  botExtra?: string;
  /** Where the host reaches the platform, e.g. through a proxy. @default the emulator's URL */
  platformUrl?: (simUrl: string) => Promise<string> | string;
} = {}): Promise<Stack> {
  const sim = await startSim({ timeScale: 0.01, ...options.sim });
  onTestFinished(() => sim.close());
  const model = options.noModel ? undefined : await startFakeOpenAiServer({ script: options.script ?? answerScript });
  if (model) onTestFinished(() => model.close());

  const owner = sim.createHuman({ username: 'owner_01', id: FIXTURE_OWNER_ID });
  const renter = sim.createHuman({ username: 'renter_01' });
  // The fixtures' buyer, so the events that name `buyer_id` (service_request, dispute_opened…) point at a real profile.
  const buyer = sim.createHuman({ username: 'buyer_01', id: FIXTURE_BUYER_ID });
  const bot = testBot({ name: 'research-helper', ...(options.botExtra ? { extra: options.botExtra } : {}) });
  sim.createBot({ ownerId: owner.id, username: 'research-helper-k3x9q', displayName: 'Research Helper', id: FIXTURE_BOT_ID, apiKey: bot.apiKey });
  let offsetMs = 0;
  const clock = { now: () => Date.now() + offsetMs };
  const host = await startTestHost({
    bots: [bot],
    platformUrl: options.platformUrl ? await options.platformUrl(sim.url) : sim.url,
    clock,
    ...(model ? { llmBaseUrl: model.baseURL } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  sim.setWebhookUrl(FIXTURE_BOT_ID, host.webhookUrl(bot));
  if (options.ownerWebhookToBot) sim.setWebhookUrl(owner.id, host.webhookUrl(bot));

  return {
    sim,
    model,
    host,
    bot,
    ownerId: owner.id,
    renterId: renter.id,
    buyerId: buyer.id,
    advance(ms) {
      offsetMs += ms;
      sim.advanceClock(ms);
    },
    botMessages: (rentalId) => sim.rentalMessages(rentalId).filter((m) => m.sender_id === FIXTURE_BOT_ID).map((m) => m.content),
    rentalPosts: (rentalId) =>
      sim.requests
        .filter((r) => r.method === 'POST' && r.path === `/api/rentals/${rentalId}/messages` && r.profileId === FIXTURE_BOT_ID)
        .map((r) => ({ status: r.status, at: r.at, body: r.body })),
  };
}
