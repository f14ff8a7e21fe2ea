import { describe, expect, it } from 'vitest';
import { apiClient, setupSim, startReceiver } from './helpers.js';

describe('sim DMs: POST /api/messages', () => {
  it('sends with to_id, stores the content trimmed, and notifies the recipient with the raw text', async () => {
    const { sim, bot, buyer } = await setupSim();
    const res = await apiClient(sim, buyer.apiKey).post('/messages', { to_id: bot.id, content: '  hello bot  ' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json)).toEqual(['message', 'conversation_id']);
    expect(res.json.message).toMatchObject({ sender_id: buyer.id, content: 'hello bot', is_read: false });
    expect(Object.keys(res.json.message)).toEqual(['id', 'conversation_id', 'sender_id', 'content', 'is_read', 'created_at']);
    expect(sim.conversationBetween(bot.id, buyer.id)).toBe(res.json.conversation_id);
    const [event] = sim.notifications(bot.id);
    expect(event).toMatchObject({
      type: 'message',
      title: 'New message from @buyer_01',
      body: '  hello bot  ',
      link: `/messages/${res.json.conversation_id}`,
      data: { content: '  hello bot  ', from_id: buyer.id, message_id: res.json.message.id },
    });
  });

  it('measures the 5000-character limit before trimming', async () => {
    const { sim, bot, buyer } = await setupSim();
    const api = apiClient(sim, buyer.apiKey);
    expect((await api.post('/messages', { to_id: bot.id, content: 'y'.repeat(5000) })).status).toBe(201);
    const padded = await api.post('/messages', { to_id: bot.id, content: ` ${'y'.repeat(4999)} ` });
    expect(padded.status).toBe(400);
    expect(padded.json).toEqual({ error: 'Message too long (max 5000 chars)' });
  });

  it('refuses a missing to_id, blank content, yourself, and an unknown recipient', async () => {
    const { sim, buyer } = await setupSim();
    const api = apiClient(sim, buyer.apiKey);
    expect((await api.post('/messages', { content: 'hi' })).json).toEqual({ error: 'to_id is required' });
    expect((await api.post('/messages', { to_id: buyer.id, content: ' \n ' })).json).toEqual({ error: 'content is required' });
    expect((await api.post('/messages', { to_id: buyer.id, content: 'me' })).json).toEqual({ error: 'Cannot message yourself' });
    const unknown = await api.post('/messages', { to_id: '00000000-0000-4000-8000-000000000000', content: 'hi' });
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'Recipient not found' });
  });

  it('lists conversations with unread counts and marks them read when the thread is opened', async () => {
    const { sim, bot, buyer } = await setupSim();
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'one' });
    const { conversationId } = sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'two' });
    const api = apiClient(sim, bot.apiKey);
    const list = await api.get('/messages');
    expect(list.json.total_unread).toBe(2);
    expect(list.json.conversations[0]).toMatchObject({ id: conversationId, unread_count: 2, other_party: { id: buyer.id } });
    expect((await api.get('/agents/me/pending')).json.counts.unread_messages).toBe(2);

    const page = await api.get(`/messages/${conversationId}?limit=1`);
    expect(page.json.messages.map((m: { content: string }) => m.content)).toEqual(['two']);
    expect(page.json.has_more).toBe(true);
    // Every unread message from the other party is now read, not only the window.
    expect((await api.get('/messages')).json.total_unread).toBe(0);
    const older = await api.get(`/messages/${conversationId}?before=${encodeURIComponent(page.json.messages[0].created_at)}`);
    expect(older.json.messages.map((m: { content: string }) => m.content)).toEqual(['one']);
    expect(older.json.has_more).toBe(false);
  });
});

describe('sim owner chat', () => {
  it('sends owner_message to the bot for owner posts, with no fan-out, and nothing for bot posts', async () => {
    const { sim, bot, owner } = await setupSim();
    const botHook = await startReceiver();
    const ownerHook = await startReceiver();
    sim.setWebhookUrl(bot.id, botHook.url);
    sim.setWebhookUrl(owner.id, ownerHook.url);

    const byOwner = await apiClient(sim, owner.apiKey).post(`/bots/${bot.id}/owner-chat`, { content: ' keep it short ' });
    expect(byOwner.status).toBe(201);
    expect(byOwner.json.message).toMatchObject({ sender_type: 'owner', content: 'keep it short', read_at: null });
    const byBot = await apiClient(sim, bot.apiKey).post(`/bots/${bot.id}/owner-chat`, { content: 'will do' });
    expect(byBot.status).toBe(201);
    await sim.waitForDeliveries();

    expect(botHook.events().map((r) => r.json.event)).toEqual(['owner_message']);
    expect(botHook.received[0]?.json.data.data).toMatchObject({ content: 'keep it short', owner_id: owner.id });
    expect(ownerHook.received).toHaveLength(0);
    expect(sim.notifications(owner.id)).toHaveLength(0);

    const readByBot = await apiClient(sim, bot.apiKey).get(`/bots/${bot.id}/owner-chat`);
    expect(readByBot.json).toMatchObject({ role: 'bot', has_more: false });
    expect(readByBot.json.messages.map((m: { content: string }) => m.content)).toEqual(['keep it short', 'will do']);
    expect(sim.ownerChat(bot.id)[0]?.read_at).not.toBeNull(); // the owner's message, read by the bot
    expect(sim.ownerChat(bot.id)[1]?.read_at).toBeNull();
  });

  it('allows 5000 characters after trim and refuses strangers', async () => {
    const { sim, bot, owner, renter } = await setupSim();
    const api = apiClient(sim, owner.apiKey);
    expect((await api.post(`/bots/${bot.id}/owner-chat`, { content: `  ${'z'.repeat(5000)}  ` })).status).toBe(201);
    expect((await api.post(`/bots/${bot.id}/owner-chat`, { content: 'z'.repeat(5001) })).json).toEqual({
      error: 'Message too long (max 5000 characters)',
    });
    const stranger = await apiClient(sim, renter.apiKey).get(`/bots/${bot.id}/owner-chat`);
    expect(stranger.status).toBe(403);
  });
});

describe('sim notifications', () => {
  it('lists the inbox newest first and marks rows read by id or all at once', async () => {
    const { sim, bot, buyer, renter } = await setupSim();
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'first' });
    sim.sendDm({ fromId: renter.id, toId: bot.id, content: 'second' });
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'third' });
    const api = apiClient(sim, bot.apiKey);

    const all = await api.get('/notifications');
    expect(all.json.unread_count).toBe(3);
    expect(all.json.notifications.map((n: { body: string }) => n.body)).toEqual(['third', 'second', 'first']);
    expect(Object.keys(all.json.notifications[0])).toEqual([
      'id', 'user_id', 'type', 'title', 'body', 'link', 'data', 'is_read', 'created_at',
    ]);

    expect((await api.patch('/notifications', { ids: [all.json.notifications[1].id] })).json).toEqual({ ok: true });
    const unread = await api.get('/notifications?unread=1');
    expect(unread.json.notifications.map((n: { body: string }) => n.body)).toEqual(['third', 'first']);
    expect((await api.get('/notifications?limit=1')).json.notifications).toHaveLength(1);

    await api.patch('/notifications', { all: true });
    expect((await api.get('/notifications?unread=1')).json).toEqual({ notifications: [], unread_count: 0 });
    expect((await api.patch('/notifications', 'nope')).json).toEqual({ error: 'Invalid JSON' });
  });

  it('keeps the webhook data.id as the inbox row id', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'hi' });
    await sim.waitForDeliveries();
    const inbox = await apiClient(sim, bot.apiKey).get('/notifications');
    expect(inbox.json.notifications[0].id).toBe(hook.received[0]?.json.data.id);
  });
});
