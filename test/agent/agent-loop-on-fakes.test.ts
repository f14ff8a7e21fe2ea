/**
 * The agent loop end to end on the stand-ins: the real OpenAI SDK against the scripted fake server, and the
 * tools' platform against the AgentsAccess emulator. postToChat posts straight to the rental chat here, where
 * the runtime will write outbox rows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAgentLoop } from '../../src/agent/run-agent-loop.js';
import { createOpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { createToolPlatform } from '../../src/tools/create-tool-platform.js';
import { resolveBotTools } from '../../src/tools/resolve-bot-tools.js';
import { BotToolsConfigSchema } from '../../src/tools/tools-config.js';
import type { ToolContext } from '../../src/tools/tool-context.js';
import { startFakeOpenAiServer, type FakeModelScript, type FakeOpenAiServer } from '../fakes/fake-openai-server.js';
import { setupSim } from '../sim/helpers.js';

let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(script: FakeModelScript, allow: string[]) {
  const { sim, bot, renter } = await setupSim();
  const rental = sim.startRental({ botId: bot.id, renterId: renter.id, durationMs: 20 * 60_000 });
  sim.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content: 'Compare the three papers I sent.' });
  server = await startFakeOpenAiServer({ script });
  const model = createOpenAiChatModel({ apiKey: 'sk-test-not-a-key', baseURL: server.baseURL, timeoutMs: 5000, maxRetries: 0 });
  const platform = createToolPlatform({ baseUrl: sim.url, apiKey: bot.apiKey, botId: bot.id });
  // Five minutes into the rental, by the tools' clock.
  const now = Date.parse(rental.started_at) + 5 * 60_000;
  const context: ToolContext = {
    bot: { profileId: bot.id, ownerId: bot.owner_id ?? undefined, name: 'research-helper' },
    channel: { kind: 'rental', rentalId: rental.id, renterId: renter.id, expiresAt: rental.expires_at },
    clock: { now: () => now },
    platform,
    postToChat: async (text) => {
      const reply = await platform({ method: 'POST', path: `/rentals/${rental.id}/messages`, body: { content: text } });
      if (reply.status !== 201) throw new Error(`post failed: ${reply.status}`);
    },
  };
  const { tools } = resolveBotTools(BotToolsConfigSchema.parse({ allow }));
  return { sim, bot, renter, rental, model, context, tools };
}

describe('the agent loop on the fake model server and the emulator', () => {
  it('posts progress to the rental chat, reads the right time left and the transcript, and refuses bad calls', async () => {
    const script: FakeModelScript = (_request, index) => {
      switch (index) {
        case 0:
          return {
            content: null,
            tool_calls: [
              { name: 'post_progress', arguments: '{"text":"Plan: 1) read the papers 2) compare them."}' },
              { name: 'time_left', arguments: '{}' },
            ],
          };
        case 1:
          return {
            content: null,
            tool_calls: [
              { name: 'read_transcript', arguments: '{"last": "many"}' },
              { name: 'send_dm', arguments: '{"to":"owner","content":"psst"}' },
              { name: 'read_transcript', arguments: '{"last": ' },
            ],
          };
        case 2:
          return { content: null, tool_calls: [{ name: 'read_transcript', arguments: { last: 10 } }] };
        default:
          return { content: 'Paper A is the strongest; details below.', usage: { prompt_tokens: 900, completion_tokens: 40 } };
      }
    };
    const { sim, bot, rental, model, context, tools } = await setup(script, ['post_progress', 'time_left', 'read_transcript']);

    const result = await runAgentLoop({
      model,
      modelName: 'gpt-test',
      messages: [
        { role: 'system', content: 'You are Research Helper.' },
        { role: 'user', content: '[renter] Compare the three papers I sent.' },
      ],
      tools,
      context,
    });

    expect(result).toMatchObject({ stoppedBy: 'answer', text: 'Paper A is the strongest; details below.', modelCalls: 4 });
    expect(result.usage).toEqual({ promptTokens: 900, completionTokens: 40 });

    // The progress post reached the platform stand-in, from the bot.
    const chat = sim.rentalMessages(rental.id);
    expect(chat.map((m) => [m.sender_id === bot.id ? 'bot' : 'renter', m.content])).toEqual([
      ['renter', 'Compare the three papers I sent.'],
      ['bot', 'Plan: 1) read the papers 2) compare them.'],
    ]);

    // 20-minute rental, 5 minutes in: 15 minutes left, read from the platform's row.
    expect(JSON.parse(result.toolCalls[1]?.result ?? '{}')).toMatchObject({
      known: true,
      minutes_left: 15,
      seconds_left: 900,
      expires_at: new Date(rental.expires_at).toISOString(),
      ending_soon: false,
      source: 'platform',
    });

    // Malformed arguments and a disallowed tool came back as tool errors; the model saw them paired with its calls.
    const second = server?.requests[2]?.body.messages as { role: string; tool_call_id?: string; content: string }[];
    const errors = second.filter((m) => m.role === 'tool').slice(-3).map((m) => JSON.parse(m.content).error as string);
    expect(errors[0]).toContain('invalid arguments for read_transcript: last');
    expect(errors[1]).toContain('the tool "send_dm" is not available to you');
    expect(errors[2]).toContain('not valid JSON');
    expect(server?.requests[0]?.body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual([
      'post_progress',
      'time_left',
      'read_transcript',
    ]);

    // The bot's key never reached the model, in any request.
    expect(JSON.stringify(server?.requests.map((r) => r.body))).not.toContain(bot.apiKey);

    // The transcript read through the emulator, labelled.
    expect(JSON.parse(result.toolCalls[5]?.result ?? '{}').messages).toEqual([
      expect.objectContaining({ from: 'renter', content: 'Compare the three papers I sent.' }),
      expect.objectContaining({ from: 'you', content: 'Plan: 1) read the papers 2) compare them.' }),
    ]);
  });

  it('ends a model that loops on the same call with an answer, within the step limit', async () => {
    const script: FakeModelScript = (request) =>
      request.body.tool_choice === 'none'
        ? { content: 'I kept checking the clock; here is what I have so far.' }
        : { content: null, tool_calls: [{ name: 'time_left', arguments: '{}' }] };
    const { model, context, tools } = await setup(script, ['time_left']);

    const result = await runAgentLoop({ model, modelName: 'gpt-test', messages: [{ role: 'user', content: 'go' }], tools, context, maxSteps: 4 });

    expect(result.stoppedBy).toBe('step_limit');
    expect(result.text).toBe('I kept checking the clock; here is what I have so far.');
    expect(result.toolCalls.filter((r) => r.repeated).length).toBeGreaterThan(0);
    expect(result.modelCalls).toBeLessThanOrEqual(4);
    expect(server?.requests.at(-1)?.body.tool_choice).toBe('none');
  });
});
