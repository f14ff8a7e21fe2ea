import { describe, expect, it } from 'vitest';
import { apiClient, setupSim, startReceiver } from './helpers.js';

describe('sim API: authentication and identity', () => {
  it('answers 401 "Authentication required" without a Bearer header, and for a lowercase prefix', async () => {
    const { sim, bot } = await setupSim();
    const anonymous = await apiClient(sim, null).get('/agents/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({ error: 'Authentication required' });
    // The prefix is case-sensitive; anything else falls back to the (absent) session.
    const lower = await apiClient(sim, null).get('/agents/me', { Authorization: `bearer ${bot.apiKey}` });
    expect(lower.status).toBe(401);
    expect(lower.json).toEqual({ error: 'Authentication required' });
  });

  it('answers 401 "Invalid API key" for an unknown key', async () => {
    const { sim } = await setupSim();
    const res = await apiClient(sim, `aa_${'0'.repeat(64)}`).get('/agents/me');
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: 'Invalid API key' });
  });

  it('issues aa_ + 64 hex keys and returns the caller profile from GET /api/agents/me', async () => {
    const { sim, bot, owner } = await setupSim();
    expect(bot.apiKey).toMatch(/^aa_[0-9a-f]{64}$/);
    const res = await apiClient(sim, bot.apiKey).get('/agents/me');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['profile']);
    expect(res.json.profile).toMatchObject({
      id: bot.id,
      user_type: 'agent',
      username: 'research-helper-k3x9q',
      display_name: 'Research Helper',
      owner_id: owner.id,
      webhook_url: null,
      cashable_balance: 0,
      credit_balance_usd: '0.00',
    });
    expect(Object.keys(res.json.profile)).toEqual([
      'id', 'user_type', 'username', 'display_name', 'bio', 'avatar_url', 'capabilities', 'website',
      'webhook_url', 'credit_balance', 'bonus_balance', 'reputation_score', 'spend_preference', 'theme',
      'owner_id', 'follower_count', 'following_count', 'created_at', 'updated_at', 'cashable_balance',
      'credit_balance_usd',
    ]);
    expect(res.json.profile.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$/);
  });

  it('answers 404 for unknown routes and an empty 405 for POST /api/messages/{conversationId}', async () => {
    const { sim, renter, bot } = await setupSim();
    const api = apiClient(sim, renter.apiKey);
    expect((await api.get('/nothing-here')).status).toBe(404);
    const { conversationId } = sim.sendDm({ fromId: renter.id, toId: bot.id, content: 'hi' });
    const res = await api.post(`/messages/${conversationId}`, { content: 'reply the documented way' });
    expect(res.status).toBe(405);
    expect(res.text).toBe('');
    expect(sim.dmMessages(conversationId)).toHaveLength(1);
  });
});

describe('sim API: profile updates and webhook tests', () => {
  it('sets webhook_url through PATCH /api/agents/me and refuses an empty string', async () => {
    const { sim, bot } = await setupSim();
    const api = apiClient(sim, bot.apiKey);
    expect((await api.patch('/agents/me', { webhook_url: '' })).json).toEqual({
      error: 'webhook_url must start with http:// or https://',
    });
    const res = await api.patch('/agents/me', { webhook_url: 'http://127.0.0.1:9/hook', unknown: 1 });
    expect(res.status).toBe(200);
    expect(res.json.profile.webhook_url).toBe('http://127.0.0.1:9/hook');
    expect((await api.patch('/agents/me', { unknown: 1 })).json).toEqual({ error: 'No valid fields to update' });
  });

  it('lets only the bot or its owner PATCH /api/agents/{id}, and hides webhook_url from others', async () => {
    const { sim, bot, owner, renter } = await setupSim();
    const byOwner = await apiClient(sim, owner.apiKey).patch(`/agents/${bot.id}`, { webhook_url: 'https://example.test/h' });
    expect(byOwner.status).toBe(200);
    expect(byOwner.json.agent).toEqual({
      id: bot.id,
      username: bot.username,
      display_name: 'Research Helper',
      bio: null,
      capabilities: [],
      website: null,
      webhook_url: 'https://example.test/h',
    });
    const byRenter = await apiClient(sim, renter.apiKey).patch(`/agents/${bot.id}`, { webhook_url: null });
    expect(byRenter.status).toBe(403);
    const seenByRenter = await apiClient(sim, renter.apiKey).get(`/agents/${bot.id}`);
    expect(seenByRenter.json.agent).not.toHaveProperty('webhook_url');
    const seenByBot = await apiClient(sim, bot.apiKey).get(`/agents/${bot.id}`);
    expect(seenByBot.json.agent.webhook_url).toBe('https://example.test/h');
  });

  it('sends one webhook.test attempt and reports 200 or 502 with {delivered_to, payload, result}', async () => {
    const { sim, bot } = await setupSim();
    const good = await startReceiver();
    const bad = await startReceiver(() => ({ status: 500 }));
    sim.setWebhookUrl(bot.id, good.url);
    const api = apiClient(sim, bot.apiKey);

    const ok = await api.post(`/agents/${bot.id}/webhook-test`);
    expect(ok.status).toBe(200);
    expect(ok.json.delivered_to).toBe(good.url);
    expect(ok.json.result).toEqual({ ok: true, status: 200 });
    expect(good.received[0]?.json).toEqual(ok.json.payload);

    const failed = await api.post('/agents/me/webhook-test', { url: bad.url });
    expect(failed.status).toBe(502);
    expect(failed.json.result).toEqual({ ok: false, status: 500 });
    await sim.waitForDeliveries();
    expect(bad.received).toHaveLength(1); // no retry for webhook.test
    expect(sim.notifications(bot.id)).toHaveLength(0); // and no inbox row
  });
});

describe('sim API: faults and the request log', () => {
  it('answers 503 when api5xx fires, and records every request with its caller', async () => {
    const { sim, bot } = await setupSim();
    const api = apiClient(sim, bot.apiKey);
    sim.faults.api5xx = 1;
    expect((await api.get('/agents/me')).status).toBe(503);
    sim.faults.api5xx = 0;
    expect((await api.post('/messages', { to_id: bot.owner_id, content: 'hello' })).status).toBe(201);
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/api/agents/me', 503],
      ['POST', '/api/messages', 201],
    ]);
    expect(sim.requests[1]).toMatchObject({ profileId: bot.id, body: { to_id: bot.owner_id, content: 'hello' } });
  });

  it('holds requests for apiHangMs and drifts the platform clock by clockDriftMs', async () => {
    const { sim, bot } = await setupSim({ faults: { apiHangMs: 150, clockDriftMs: 3_600_000 } });
    const started = Date.now();
    const res = await apiClient(sim, bot.apiKey).get('/agents/me/pending');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.parse(res.json.server_time) - Date.now()).toBeGreaterThan(3_500_000);
    expect(sim.now().getTime() - Date.now()).toBeGreaterThan(3_500_000);
  });
});
