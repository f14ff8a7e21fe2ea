import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAgentLoop } from '../../src/agent/run-agent-loop.js';
import { ConfigError } from '../../src/errors.js';
import { loadCustomTools } from '../../src/tools/load-custom-tools.js';
import { loadBotTools, resolveBotTools } from '../../src/tools/resolve-bot-tools.js';
import { BotToolsConfigSchema } from '../../src/tools/tools-config.js';
import { call, scriptedChatModel } from '../agent/scripted-chat-model.js';
import { BOT_ID, fakeContext } from './tool-test-kit.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const BOT_FILE = join(FIXTURES, 'helper.yaml'); // never read: only its directory resolves the module path
const config = (section: Record<string, unknown>) => BotToolsConfigSchema.parse(section);

async function loadError(modulePath: string): Promise<ConfigError> {
  try {
    await loadCustomTools(modulePath, { baseDir: FIXTURES, file: 'agents/helper.yaml' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadCustomTools to fail');
}

describe('loadCustomTools', () => {
  it('loads a TypeScript module relative to the bot file', async () => {
    const tools = await loadCustomTools('./owner-tools.ts', { baseDir: FIXTURES });
    expect(tools.map((tool) => tool.name)).toEqual(['weather', 'unpause_me', 'payout']);
  });

  it('loads a default export of { tools } from an absolute path', async () => {
    const tools = await loadCustomTools(join(FIXTURES, 'default-export-tools.mjs'), { baseDir: '/nowhere' });
    expect(tools.map((tool) => tool.name)).toEqual(['echo']);
  });

  it.each([
    ['./missing.ts', 'no such file'],
    ['./no-tools.mjs', 'must export `tools`'],
    ['./bad-name-tools.mjs', 'name must be letters'],
    ['./not-zod-tools.mjs', 'zod (v4) schema'],
    ['./not-object-schema-tools.mjs', 'zod object schema'],
    ['./duplicate-tools.mjs', 'used twice'],
    ['./throws-on-load.mjs', 'boom at load'],
  ])('refuses %s with a message naming the file and the problem', async (modulePath, problem) => {
    const error = await loadError(modulePath);
    expect(error.message).toContain('agents/helper.yaml: tools.module');
    expect(error.message).toContain(problem);
  });
});

describe('resolveBotTools', () => {
  it('offers nothing unless listed', async () => {
    const { tools, unlisted } = await loadBotTools(config({ module: './owner-tools.ts' }), BOT_FILE);
    expect([...tools.keys()]).toEqual([]);
    expect(unlisted).toEqual(['weather', 'unpause_me', 'payout']);
  });

  it('offers the listed built-in and custom tools, in allow order, with per-tool caps', async () => {
    const { tools, unlisted } = await loadBotTools(
      config({ module: './owner-tools.ts', allow: ['weather', 'time_left', 'post_progress'], max_calls_per_turn: { weather: 3 } }),
      BOT_FILE,
    );
    expect([...tools.keys()]).toEqual(['weather', 'time_left', 'post_progress']);
    expect(tools.get('weather')?.maxCallsPerTurn).toBe(3);
    expect(unlisted).toEqual(['unpause_me', 'payout']);
  });

  it('refuses unknown names, caps for unknown tools, and custom tools named like built-ins', async () => {
    expect(() => resolveBotTools(config({ allow: ['update_settings'] }), [], 'agents/a.yaml')).toThrow(
      /agents\/a.yaml: tools.allow: "update_settings" is neither a built-in tool .* and no tools.module is set/,
    );
    expect(() => resolveBotTools(config({ max_calls_per_turn: { nope: 1 } }))).toThrow('tools.max_calls_per_turn: "nope" is not a tool');
    await expect(loadBotTools(config({ module: './builtin-name-tools.mjs', allow: ['send_dm'] }), BOT_FILE)).rejects.toThrow(
      'has the name of a built-in tool',
    );
  });

  it('validates the section: names, duplicates, unknown keys', () => {
    expect(BotToolsConfigSchema.safeParse({ allow: ['a b'] }).success).toBe(false);
    expect(BotToolsConfigSchema.safeParse({ allow: ['time_left', 'time_left'] }).success).toBe(false);
    expect(BotToolsConfigSchema.safeParse({ allow: [], pay_for_post: true }).success).toBe(false);
    expect(BotToolsConfigSchema.parse({})).toEqual({ allow: [], pay_for_posts: false, dm_recipients: ['owner', 'renter'], max_calls_per_turn: {} });
  });
});

describe('a custom tool that reaches for a forbidden route', () => {
  it('is refused by the guard: the model gets a tool error and the platform is never called', async () => {
    const { tools } = await loadBotTools(config({ module: './owner-tools.ts', allow: ['unpause_me', 'payout', 'weather'] }), BOT_FILE);
    const { context, platform } = fakeContext({ routes: { [`PUT /bots/${BOT_ID}/settings`]: { status: 200, body: {} } } });
    const model = scriptedChatModel([
      { toolCalls: [call('unpause_me'), call('payout', { amount: 500 }), call('weather', { city: 'Oslo' })] },
      { text: 'I cannot change my settings or send credits.' },
    ]);

    const result = await runAgentLoop({ model, modelName: 'm', messages: [{ role: 'user', content: 'unpause yourself' }], tools, context });

    expect(platform.calls).toEqual([]);
    expect(result.toolCalls.map((r) => [r.name, r.ok])).toEqual([
      ['unpause_me', false],
      ['payout', false],
      ['weather', true],
    ]);
    expect(result.toolCalls[0]?.result).toContain(`refused PUT /bots/${BOT_ID}/settings`);
    expect(result.toolCalls[1]?.result).toContain('credit transfers');
    expect(result.toolCalls[2]?.result).toBe('{"city":"Oslo","forecast":"sunny"}');
    expect(result.text).toBe('I cannot change my settings or send credits.');
  });
});
