/**
 * The tool-call journal on its own: a real SQLite journal, the built-in tools and a scripted
 * platform. "The first attempt" runs a tool; "the redone turn" wraps the tools again for the same
 * turn id and makes the same call, as a turn redone after a crash does. A crash during a call is
 * a platform request that never answers (the write stays 'sending', the call 'started').
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Bot } from '../../src/config/bot-config.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { DONE_BEFORE_RESTART, journalToolCalls, NOT_REPEATED_AFTER_RESTART } from '../../src/runtime/journal-tool-calls.js';
import type { RuntimeDeps } from '../../src/runtime/runtime-deps.js';
import { createStores } from '../../src/runtime/stores.js';
import { openDatabase } from '../../src/store/open-database.js';
import { createBuiltinTools } from '../../src/tools/builtin/index.js';
import { defineTool, ToolError, type AnyTool } from '../../src/tools/tool.js';
import { BotToolsConfigSchema } from '../../src/tools/tools-config.js';
import type { PlatformCall } from '../../src/tools/tool-context.js';
import { z } from 'zod';
import { BOT_ID, fakeContext, OWNER_ID, type Route } from '../tools/tool-test-kit.js';

const ORDER_ID = '3cd57031-b91e-407e-bbc8-776c66954e60';
const CONVERSATION_ID = 'c0a1b2c3-d4e5-4f60-8a7b-9c0d1e2f3a4b';
const TURN_ID = 7;
const noAnswer: Route = () => {
  throw new Error('the process died during this request');
};

function setup(routes: Record<string, Route> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aa-journal-'));
  const db = openDatabase({ path: join(dir, 'aa-host.db'), synchronous: 'FULL' });
  onTestFinished(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const stores = createStores(db);
  const { context, platform } = fakeContext({ routes });
  // The checks read through the host's platform client: 2xx or a thrown error.
  const client = {
    async request<T>(call: PlatformCall): Promise<T> {
      const reply = await platform.send(call);
      if (reply.status < 200 || reply.status >= 300) throw new Error(`${call.method} ${call.path}: ${reply.status}`);
      return reply.body as T;
    },
  };
  const deps = {
    stores,
    clock: { now: () => Date.parse('2026-05-04T12:00:00.000Z') },
    log: createLogger({ level: 'silent' }),
    platformFor: () => client,
    queues: { runPlatform: (_bot: Bot, _priority: number, run: () => Promise<unknown>) => run() },
  } as unknown as RuntimeDeps;
  const bot = { profileId: BOT_ID, name: 'research-helper' } as Bot;
  const builtins = createBuiltinTools(BotToolsConfigSchema.parse({ dm_recipients: ['owner'] }));
  /** One attempt of the turn: the tools wrapped for it, and a call as the agent loop makes it. */
  const attempt = (tools: AnyTool[] = Object.values(builtins), turnId = TURN_ID) => {
    const set = journalToolCalls(deps, bot, turnId, new Map(tools.map((t) => [t.name, t])), deps.log);
    return (name: string, args: unknown) => {
      const tool = set.get(name)!;
      return Promise.resolve().then(() => tool.execute(tool.parameters.parse(args), context));
    };
  };
  const posts = (method: string, path: string) => platform.calls.filter((c) => c.method === method && c.path === path);
  return { stores, platform, attempt, builtins, posts };
}

const dmThread = (contents: string[]): Record<string, Route> => ({
  'GET /messages': () => ({ status: 200, body: { conversations: [{ id: CONVERSATION_ID, participant_a: BOT_ID, participant_b: OWNER_ID }] } }),
  [`GET /messages/${CONVERSATION_ID}`]: () => ({ status: 200, body: { messages: contents.map((content) => ({ sender_id: BOT_ID, content })) } }),
});

describe('the tool-call journal', () => {
  it('answers a finished call from the journal on the redone turn, without calling the platform again', async () => {
    const s = setup({ 'POST /messages': () => ({ status: 201, body: { conversation_id: CONVERSATION_ID } }) });
    const first = await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' });
    expect(first).toEqual({ sent: true, conversation_id: CONVERSATION_ID });
    // The same call with the keys in another order and padding the schema trims: the same call.
    const again = await s.attempt()('send_dm', { content: '  Starting on your task.', to: 'owner' });
    expect(again).toEqual(first);
    expect(s.posts('POST', '/messages')).toHaveLength(1);
    expect(s.stores.toolCalls.forTurn(TURN_ID)).toMatchObject([{ tool: 'send_dm', status: 'done' }]);
  });

  it('answers a refusal the tool reported with the same tool error, without calling the platform again', async () => {
    const s = setup({ [`PATCH /services/orders/${ORDER_ID}`]: () => ({ status: 409, body: { error: 'Cannot move order from requested to delivered as seller' } }) });
    const args = { order_id: ORDER_ID, status: 'delivered', delivery_note: 'Report attached.' };
    await expect(s.attempt()('update_service_order', args)).rejects.toThrow(ToolError);
    await expect(s.attempt()('update_service_order', args)).rejects.toThrow(/cannot move to delivered now/);
    expect(s.posts('PATCH', `/services/orders/${ORDER_ID}`)).toHaveLength(1);
  });

  it('does not send again a DM that was in flight at the crash and is in the thread', async () => {
    const s = setup({ 'POST /messages': noAnswer, ...dmThread(['Earlier note.', 'Starting on your task.']) });
    await expect(s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).rejects.toThrow(/died/);
    expect(await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).toEqual(DONE_BEFORE_RESTART);
    expect(s.posts('POST', '/messages')).toHaveLength(1);
  });

  it('sends a DM that was in flight at the crash and is not in the thread, once', async () => {
    const s = setup({ 'POST /messages': noAnswer, ...dmThread(['Earlier note.']) });
    await expect(s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).rejects.toThrow(/died/);
    s.platform.routes.set('POST /messages', () => ({ status: 201, body: { conversation_id: CONVERSATION_ID } }));
    expect(await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).toEqual({ sent: true, conversation_id: CONVERSATION_ID });
    expect(s.posts('POST', '/messages')).toHaveLength(2);
    // Settled now: a third attempt answers from the journal.
    await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' });
    expect(s.posts('POST', '/messages')).toHaveLength(2);
  });

  it('does not give up on an interrupted DM while the platform cannot be reached to check it', async () => {
    const s = setup({ 'POST /messages': noAnswer, 'GET /messages': noAnswer });
    await expect(s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).rejects.toThrow(/died/);
    await expect(s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).rejects.toThrow(/cannot be reached right now to check/);
    expect(s.stores.toolCalls.forTurn(TURN_ID)).toMatchObject([{ tool: 'send_dm', status: 'started' }]);
    // Reachable again, and the DM is not in the thread: it is sent, once.
    for (const [route, handler] of Object.entries(dmThread(['Earlier note.']))) s.platform.routes.set(route, handler);
    s.platform.routes.set('POST /messages', () => ({ status: 201, body: { conversation_id: CONVERSATION_ID } }));
    expect(await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' })).toEqual({ sent: true, conversation_id: CONVERSATION_ID });
    expect(s.posts('POST', '/messages')).toHaveLength(2);
  });

  it('leaves a write answered with a 5xx open, so a redone turn looks for it on the platform', async () => {
    const s = setup({ 'POST /messages': () => ({ status: 502, body: { error: 'Bad gateway' } }), ...dmThread(['Starting on your task.']) });
    await s.attempt()('send_dm', { to: 'owner', content: 'Starting on your task.' }).catch(() => undefined);
    const [call] = s.stores.toolCalls.forTurn(TURN_ID);
    expect(s.stores.toolCalls.writesOf(call!.id)).toMatchObject([{ outcome: 'sending' }]);
  });

  it('tells an interrupted DM apart from an identical one the host sent before, by count', async () => {
    const s = setup({ 'POST /messages': () => ({ status: 201, body: {} }), ...dmThread(['Done.']) });
    await s.attempt(undefined, TURN_ID)('send_dm', { to: 'owner', content: 'Done.' });
    // A later turn sends the same text and the process dies during the request. The thread holds
    // one "Done.", which is the earlier turn's: the interrupted one did not land, so it is sent.
    s.platform.routes.set('POST /messages', noAnswer);
    await expect(s.attempt(undefined, TURN_ID + 1)('send_dm', { to: 'owner', content: 'Done.' })).rejects.toThrow(/died/);
    s.platform.routes.set('POST /messages', () => ({ status: 201, body: {} }));
    expect(await s.attempt(undefined, TURN_ID + 1)('send_dm', { to: 'owner', content: 'Done.' })).toEqual({ sent: true });
    expect(s.posts('POST', '/messages')).toHaveLength(3);
  });

  it('does not publish again a top-level feed post that was in flight, even when the feed does not show it (it may await approval)', async () => {
    const s = setup({
      'GET /feed/quota': () => ({ status: 200, body: { free_remaining: 2, total_remaining: 12 } }),
      'POST /feed': noAnswer,
      'GET /feed': () => ({ status: 200, body: { posts: [] } }),
    });
    await expect(s.attempt()('create_feed_post', { content: 'New write-up on chunking.' })).rejects.toThrow(/died/);
    s.platform.routes.set('POST /feed', () => ({ status: 201, body: { id: 'p1' } }));
    expect(await s.attempt()('create_feed_post', { content: 'New write-up on chunking.' })).toEqual(NOT_REPEATED_AFTER_RESTART);
    expect(s.posts('POST', '/feed')).toHaveLength(1);
  });

  it('runs a call again when the crash came before any of its writes was sent', async () => {
    const s = setup({ 'POST /messages': () => ({ status: 201, body: {} }) });
    // The journal row was written, then the process died before the tool's first request.
    s.stores.toolCalls.begin({ turnId: TURN_ID, botId: BOT_ID, tool: 'send_dm', args: '{"content":"Hello.","to":"owner"}', at: 'now' });
    expect(await s.attempt()('send_dm', { to: 'owner', content: 'Hello.' })).toEqual({ sent: true });
    expect(s.posts('POST', '/messages')).toHaveLength(1);
  });

  it('reads an interrupted order update back: set already, or run again', async () => {
    let status = 'delivered';
    const s = setup({
      [`PATCH /services/orders/${ORDER_ID}`]: noAnswer,
      'GET /services/orders': () => ({ status: 200, body: { orders: [{ id: ORDER_ID, status }] } }),
    });
    const args = { order_id: ORDER_ID, status: 'delivered', delivery_note: 'Report attached.' };
    await expect(s.attempt()('update_service_order', args)).rejects.toThrow(/died/);
    expect(await s.attempt()('update_service_order', args)).toEqual(DONE_BEFORE_RESTART);

    const args2 = { order_id: ORDER_ID, status: 'accepted' };
    status = 'requested';
    await expect(s.attempt()('update_service_order', args2)).rejects.toThrow(/died/);
    s.platform.routes.set(`PATCH /services/orders/${ORDER_ID}`, () => ({ status: 200, body: { order: { status: 'accepted' } } }));
    expect(await s.attempt()('update_service_order', args2)).toEqual({ updated: true, status: 'accepted' });
  });

  it('never runs again an interrupted call of a tool whose effects it cannot check', async () => {
    let runs = 0;
    const emailer = defineTool({
      name: 'send_email',
      description: 'Sends an email through the owner’s mail service.',
      parameters: z.object({ to: z.string() }),
      async execute() {
        runs++;
        throw new Error('the process died while the mail service was answering');
      },
    });
    const s = setup();
    await expect(s.attempt([emailer])('send_email', { to: 'a@example.com' })).rejects.toThrow(/died/);
    expect(await s.attempt([emailer])('send_email', { to: 'a@example.com' })).toEqual(NOT_REPEATED_AFTER_RESTART);
    expect(runs).toBe(1);
  });

  it('does not journal tools that only read', async () => {
    const s = setup({ 'GET /rentals/9d1e3c52-7f4a-4b8e-a2c1-5e6f7a8b9c0d': () => ({ status: 200, body: { expires_at: '2026-05-04T12:10:00.000Z' } }) });
    await s.attempt()('time_left', {});
    await s.attempt()('time_left', {});
    expect(s.platform.calls).toHaveLength(2);
    expect(s.stores.toolCalls.forTurn(TURN_ID)).toEqual([]);
  });
});
