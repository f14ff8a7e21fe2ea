import { describe, expect, it } from 'vitest';
import { BUILTIN_TOOL_NAMES, createBuiltinTools } from '../../src/tools/builtin/index.js';
import { ToolError, toToolDefinition, type AnyTool } from '../../src/tools/tool.js';
import { BotToolsConfigSchema } from '../../src/tools/tools-config.js';
import type { ToolContext } from '../../src/tools/tool-context.js';
import { BOT_ID, fakeContext, NOW, OWNER_ID, RENTAL_ID, RENTER_ID } from './tool-test-kit.js';

const tools = (config: Record<string, unknown> = {}) => createBuiltinTools(BotToolsConfigSchema.parse(config));
/** Runs a tool as the agent loop does: the schema parses the arguments first. */
const run = (tool: AnyTool, args: unknown, context: ToolContext) => tool.execute(tool.parameters.parse(args), context);
const ORDER_ID = '3cd57031-b91e-407e-bbc8-776c66954e60';
const STRANGER = 'ac5cbbee-13d7-453e-bb6f-fc27e85120d9';

describe('built-in tools', () => {
  it('all have a JSON-schema object definition for the model', () => {
    const all = tools();
    for (const name of BUILTIN_TOOL_NAMES) {
      const definition = toToolDefinition(all[name]);
      expect(definition.name).toBe(name);
      expect(definition.description.length).toBeGreaterThan(20);
      expect(definition.parameters).toMatchObject({ type: 'object' });
      expect(definition.parameters).not.toHaveProperty('$schema');
    }
    expect(toToolDefinition(all.post_progress).parameters).toMatchObject({
      properties: { text: { type: 'string', maxLength: 2000 } },
      required: ['text'],
    });
  });
});

describe('post_progress', () => {
  it('posts to the current chat through postToChat', async () => {
    const { context, posted, platform } = fakeContext();
    await expect(run(tools().post_progress, { text: '  Plan: 1) read 2) summarise  ' }, context)).resolves.toEqual({ posted: true });
    expect(posted).toEqual(['Plan: 1) read 2) summarise']);
    expect(platform.calls).toHaveLength(0);
  });

  it('refuses when the turn has no chat', async () => {
    const { context } = fakeContext({ channel: { kind: 'event', event: 'post_reply' } });
    await expect(run(tools().post_progress, { text: 'hi' }, context)).rejects.toBeInstanceOf(ToolError);
  });

  it('caps calls per turn at 5 unless the bot file says otherwise', () => {
    expect(tools().post_progress.maxCallsPerTurn).toBe(5);
    expect(tools({ max_calls_per_turn: { post_progress: 2 } }).post_progress.maxCallsPerTurn).toBe(2);
  });
});

describe('time_left', () => {
  it('answers from the rental the platform returns, which catches extensions', async () => {
    const extended = new Date(NOW + 25 * 60_000 + 30_000).toISOString();
    const { context, platform } = fakeContext({
      routes: { [`GET /rentals/${RENTAL_ID}`]: { status: 200, body: { id: RENTAL_ID, status: 'active', expires_at: extended } } },
    });

    const result = await run(tools().time_left, {}, context);

    expect(result).toEqual({
      known: true,
      expires_at: extended,
      seconds_left: 25 * 60 + 30,
      minutes_left: 25,
      ending_soon: false,
      ended: false,
      source: 'platform',
    });
    expect(platform.calls).toEqual([{ method: 'GET', path: `/rentals/${RENTAL_ID}` }]);
  });

  it("falls back to the host's expiry when the platform cannot be read, and flags the last two minutes", async () => {
    const expiresAt = new Date(NOW + 90_000).toISOString();
    const { context } = fakeContext({
      channel: { kind: 'rental', rentalId: RENTAL_ID, renterId: RENTER_ID, expiresAt },
      routes: { [`GET /rentals/${RENTAL_ID}`]: () => Promise.reject(new Error('unreachable')) },
    });

    expect(await run(tools().time_left, {}, context)).toMatchObject({ seconds_left: 90, minutes_left: 1, ending_soon: true, source: 'host' });
  });

  it("flags ending_soon by the host's warning window (RENTAL_WARNING_MS) when the context carries it", async () => {
    const at = (msLeft: number, rentalWarningMs?: number) => {
      const { context } = fakeContext({
        channel: { kind: 'rental', rentalId: RENTAL_ID, renterId: RENTER_ID, expiresAt: new Date(NOW + msLeft).toISOString() },
        routes: { [`GET /rentals/${RENTAL_ID}`]: () => Promise.reject(new Error('unreachable')) },
      });
      return run(tools().time_left, {}, rentalWarningMs === undefined ? context : { ...context, rentalWarningMs } as ToolContext);
    };
    expect(await at(4 * 60_000, 5 * 60_000)).toMatchObject({ ending_soon: true });
    expect(await at(6 * 60_000, 5 * 60_000)).toMatchObject({ ending_soon: false });
    expect(await at(90_000, 30_000)).toMatchObject({ ending_soon: false });
    expect(await at(20_000, 30_000)).toMatchObject({ ending_soon: true });
    // Without it, the platform's two minutes.
    expect(await at(110_000)).toMatchObject({ ending_soon: true });
    expect(await at(130_000)).toMatchObject({ ending_soon: false });
  });

  it('says when the rental has ended, and when the end is unknown', async () => {
    const { context } = fakeContext({
      routes: { [`GET /rentals/${RENTAL_ID}`]: { status: 200, body: { status: 'ended', expires_at: new Date(NOW - 1000).toISOString() } } },
    });
    expect(await run(tools().time_left, {}, context)).toMatchObject({ seconds_left: 0, ended: true });

    const unknown = fakeContext({ channel: { kind: 'rental', rentalId: RENTAL_ID, renterId: null, expiresAt: null } });
    expect(await run(tools().time_left, {}, unknown.context)).toMatchObject({ known: false });
  });

  it('refuses outside a rental', async () => {
    const { context } = fakeContext({ channel: { kind: 'owner' } });
    await expect(run(tools().time_left, {}, context)).rejects.toThrow('not a rental');
  });
});

describe('read_transcript', () => {
  const messages = [
    { id: 'm1', sender_id: RENTER_ID, content: 'Please compare these three papers.', created_at: '2026-05-04T11:50:00Z' },
    { id: 'm2', sender_id: BOT_ID, content: 'On it.', created_at: '2026-05-04T11:50:05Z' },
    { id: 'm3', sender_id: OWNER_ID, content: 'Keep it short.', created_at: '2026-05-04T11:51:00Z' },
    { id: 'm4', sender_id: STRANGER, content: 'hello?', created_at: '2026-05-04T11:52:00Z' },
  ];

  it('returns the latest messages labelled by speaker', async () => {
    const { context } = fakeContext({ routes: { [`GET /rentals/${RENTAL_ID}/messages`]: { status: 200, body: { messages } } } });

    const result = await run(tools().read_transcript, { last: 3 }, context);

    expect(result).toEqual({
      total: 4,
      omitted_older: 1,
      messages: [
        { from: 'you', at: '2026-05-04T11:50:05Z', content: 'On it.' },
        { from: 'owner', at: '2026-05-04T11:51:00Z', content: 'Keep it short.' },
        { from: 'participant', at: '2026-05-04T11:52:00Z', content: 'hello?' },
      ],
    });
  });

  it('drops the oldest messages when the transcript is too long for one answer', async () => {
    const long = Array.from({ length: 40 }, (_, i) => ({ sender_id: RENTER_ID, content: `${i} ${'x'.repeat(1500)}`, created_at: 't' }));
    const { context } = fakeContext({ routes: { [`GET /rentals/${RENTAL_ID}/messages`]: { status: 200, body: { messages: long } } } });

    const result = (await run(tools().read_transcript, { last: 40 }, context)) as { messages: { content: string }[]; omitted_older: number };

    expect(JSON.stringify(result.messages).length).toBeLessThanOrEqual(12_000);
    expect(result.messages.at(-1)?.content.startsWith('39 ')).toBe(true);
    expect(result.omitted_older).toBe(40 - result.messages.length);
  });

  it('reports a platform failure as a tool error', async () => {
    const { context } = fakeContext({ routes: { [`GET /rentals/${RENTAL_ID}/messages`]: { status: 403, body: { error: 'Not authorized' } } } });
    await expect(run(tools().read_transcript, {}, context)).rejects.toThrow('403: Not authorized');
  });
});

describe('send_dm', () => {
  const sent = { status: 201, body: { message: { id: 'dm1' }, conversation_id: 'c1' } };

  it("resolves 'owner' and 'renter' and posts to /messages", async () => {
    const { context, platform } = fakeContext({ routes: { 'POST /messages': sent } });

    await expect(run(tools().send_dm, { to: 'owner', content: 'Rental going well.' }, context)).resolves.toEqual({ sent: true, conversation_id: 'c1' });
    await run(tools().send_dm, { to: 'renter', content: 'Here is the file list.' }, context);

    expect(platform.calls.map((c) => c.body)).toEqual([
      { to_id: OWNER_ID, content: 'Rental going well.' },
      { to_id: RENTER_ID, content: 'Here is the file list.' },
    ]);
  });

  it('refuses strangers unless dm_recipients has any, and the bot itself always', async () => {
    const { context, platform } = fakeContext({ routes: { 'POST /messages': sent } });

    await expect(run(tools().send_dm, { to: STRANGER, content: 'hi' }, context)).rejects.toThrow('only send DMs to its owner or the renter');
    await expect(run(tools({ dm_recipients: ['owner'] }).send_dm, { to: 'renter', content: 'hi' }, context)).rejects.toThrow('may not send DMs to the renter');
    await expect(run(tools({ dm_recipients: ['any'] }).send_dm, { to: BOT_ID, content: 'hi' }, context)).rejects.toThrow('yourself');
    expect(platform.calls).toHaveLength(0);

    await run(tools({ dm_recipients: ['any'] }).send_dm, { to: STRANGER, content: 'hi' }, context);
    expect(platform.calls.map((c) => c.body)).toEqual([{ to_id: STRANGER, content: 'hi' }]);
  });

  it("says so when there is no renter or owner to write to", async () => {
    const { context } = fakeContext({ channel: { kind: 'owner' }, ownerId: undefined });
    await expect(run(tools().send_dm, { to: 'renter', content: 'x' }, context)).rejects.toThrow('no known renter');
    await expect(run(tools().send_dm, { to: 'owner', content: 'x' }, context)).rejects.toThrow('no owner');
  });
});

describe('create_feed_post', () => {
  const quota = (free: number, total = 10) => ({ status: 200, body: { free_remaining: free, total_remaining: total, free_limit: 3 } });
  const created = { status: 201, body: { id: 'p1', pending_approval: false } };

  it('posts within the free quota without paying', async () => {
    const { context, platform } = fakeContext({ routes: { 'GET /feed/quota': quota(2), 'POST /feed': created } });

    await expect(run(tools().create_feed_post, { content: 'New write-up on chunking.', tags: ['rag'] }, context)).resolves.toEqual({
      posted: true,
      post_id: 'p1',
      paid: false,
    });
    expect(platform.calls.at(-1)?.body).toEqual({ content: 'New write-up on chunking.', tags: ['rag'] });
  });

  it('never pays when the free posts are used and the bot may not pay: reports it and posts nothing', async () => {
    const { context, platform } = fakeContext({ routes: { 'GET /feed/quota': quota(0), 'POST /feed': created } });

    const result = await run(tools().create_feed_post, { content: 'Another post' }, context);

    expect(result).toMatchObject({ posted: false, requires_payment: true, cost_aa: 1 });
    expect(platform.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /feed/quota']);
  });

  it('reports a 402 requires_payment to the model instead of paying (quota unknown)', async () => {
    const required = { status: 402, body: { requires_payment: true, free_remaining: 0, cost_aa: 1, message: 'pay' } };
    const { context, platform } = fakeContext({ routes: { 'GET /feed/quota': { status: 500, body: null }, 'POST /feed': required } });

    const result = await run(tools().create_feed_post, { content: 'Post' }, context);

    expect(result).toMatchObject({ posted: false, requires_payment: true });
    expect(platform.calls.filter((c) => c.method === 'POST').map((c) => c.body)).toEqual([{ content: 'Post' }]);
  });

  it('pays 1 AA when the bot allows it and the free posts are used', async () => {
    const { context, platform } = fakeContext({ allowPaidPosts: true, routes: { 'GET /feed/quota': quota(0), 'POST /feed': created } });

    const result = await run(tools({ pay_for_posts: true }).create_feed_post, { content: 'Paid post' }, context);

    expect(result).toMatchObject({ posted: true, paid: true });
    expect(platform.calls.at(-1)?.body).toEqual({ content: 'Paid post', pay_for_post: true });
  });

  it('stops at the daily limit, and replies skip the quota', async () => {
    const { context, platform } = fakeContext({ routes: { 'GET /feed/quota': quota(0, 0), 'POST /feed': created } });
    await expect(run(tools().create_feed_post, { content: 'x' }, context)).rejects.toThrow('daily post limit');

    const parent = '3c71a23a-eccb-412d-b83b-842deed66bfe';
    await run(tools().create_feed_post, { content: 'Thanks!', reply_to: parent }, context);
    expect(platform.calls.at(-1)).toMatchObject({ method: 'POST', path: '/feed', body: { content: 'Thanks!', parent_id: parent } });
    expect(platform.calls.filter((c) => c.path === '/feed/quota')).toHaveLength(1);
  });

  it('says when a sponsor must approve the post, and reports 429 and 403', async () => {
    const { context, platform } = fakeContext({ routes: { 'GET /feed/quota': quota(3), 'POST /feed': { status: 201, body: { id: 'p2', pending_approval: true } } } });
    expect(await run(tools().create_feed_post, { content: 'x' }, context)).toMatchObject({ posted: true, pending_approval: true });

    platform.routes.set('POST /feed', () => ({ status: 429, body: { error: 'Bot daily post limit of 2 reached' } }));
    await expect(run(tools().create_feed_post, { content: 'x' }, context)).rejects.toThrow('Bot daily post limit of 2 reached');
    platform.routes.set('POST /feed', () => ({ status: 403, body: { error: 'Bot is not permitted to post' } }));
    await expect(run(tools().create_feed_post, { content: 'x' }, context)).rejects.toThrow('403: Bot is not permitted to post');
  });

  it('refuses a blank post at validation', () => {
    expect(tools().create_feed_post.parameters.safeParse({ content: '   ' }).success).toBe(false);
  });
});

describe('update_service_order', () => {
  it('delivers with a note', async () => {
    const { context, platform } = fakeContext({
      routes: { [`PATCH /services/orders/${ORDER_ID}`]: { status: 200, body: { order: { id: ORDER_ID, status: 'delivered' } } } },
    });

    const result = await run(tools().update_service_order, { order_id: ORDER_ID, delivery_note: 'Report attached in our DM.' }, context);

    expect(result).toEqual({ updated: true, status: 'delivered' });
    expect(platform.calls).toEqual([
      { method: 'PATCH', path: `/services/orders/${ORDER_ID}`, body: { status: 'delivered', delivery_note: 'Report attached in our DM.' } },
    ]);
  });

  it('needs a note to deliver, and reports a refused transition', async () => {
    const { context } = fakeContext({
      routes: { [`PATCH /services/orders/${ORDER_ID}`]: { status: 409, body: { error: 'Cannot move order from delivered to accepted as seller' } } },
    });
    await expect(run(tools().update_service_order, { order_id: ORDER_ID }, context)).rejects.toThrow('delivery_note');
    await expect(run(tools().update_service_order, { order_id: ORDER_ID, status: 'accepted' }, context)).rejects.toThrow(
      'Cannot move order from delivered to accepted',
    );
  });

  it('offers no status that gives up on an order', () => {
    expect(tools().update_service_order.parameters.safeParse({ order_id: ORDER_ID, status: 'cancelled' }).success).toBe(false);
  });
});
