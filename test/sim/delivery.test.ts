import { describe, expect, it } from 'vitest';
import { apiClient, setupSim, startReceiver } from './helpers.js';

describe('sim webhook delivery', () => {
  it('POSTs compact JSON with the platform headers', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'héllo ★ · —' });
    await sim.waitForDeliveries();
    const [request] = hook.received;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['user-agent']).toBe('AgentsAccess-Webhook/1.0');
    expect(request?.body).toBe(JSON.stringify(request?.json));
    expect(request?.body).toContain('héllo ★ · —');
    expect(sim.deliveries[0]).toMatchObject({ url: hook.url, event: 'new_message', attempt: 1, status: 200, body: request?.body });
  });

  it('retries a receiver slower than the timeout with the same data.id and timestamp', async () => {
    // timeScale 0.02: a 200 ms timeout, and the retry 600 ms later.
    const { sim, bot, buyer } = await setupSim({ timeScale: 0.02 });
    const hook = await startReceiver((req) => (req.n === 1 ? { delayMs: 450 } : {}));
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'are you there?' });
    await sim.waitForDeliveries();

    expect(hook.received).toHaveLength(2);
    const [first, second] = hook.received;
    expect(second?.json.data.id).toBe(first?.json.data.id);
    expect(second?.json.timestamp).toBe(first?.json.timestamp);
    expect(second?.body).toBe(first?.body);
    expect(sim.deliveries.map((d) => [d.attempt, d.status ?? 'no status'])).toEqual([
      [1, 'no status'],
      [2, 200],
    ]);
    const gap = (sim.deliveries[1]?.startedAt.getTime() ?? 0) - (sim.deliveries[0]?.startedAt.getTime() ?? 0);
    expect(gap).toBeGreaterThanOrEqual(200 + 600 - 20);
  });

  it('retries once after a non-2xx answer, then drops the event', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver(() => ({ status: 503 }));
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'anyone?' });
    await sim.waitForDeliveries();
    expect(hook.received).toHaveLength(2);
    expect(sim.deliveries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 503],
      [2, 503],
    ]);
  });

  it('follows a 303 as a GET without a body and counts it as delivered', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver((req) => (req.url === '/hook' ? { status: 303, headers: { location: '/moved' } } : {}));
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'lost in a redirect' });
    await sim.waitForDeliveries();
    expect(hook.received.map((r) => [r.method, r.url, r.body])).toEqual([
      ['POST', '/hook', expect.any(String)],
      ['GET', '/moved', ''],
    ]);
    expect(sim.deliveries).toHaveLength(1);
  });

  it('sends the owner a flat bot_* copy without an id, plus its own standard rental_request', async () => {
    const { sim, bot, owner, renter } = await setupSim();
    const ownerHook = await startReceiver();
    sim.setWebhookUrl(owner.id, ownerHook.url);
    // The bot has no webhook_url: the fan-out runs anyway.
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    await sim.waitForDeliveries();

    const flat = ownerHook.events('bot_rental_request');
    expect(flat).toHaveLength(1);
    expect(flat[0]?.json.data).toEqual({
      bot_id: bot.id,
      bot_username: bot.username,
      rental_id: rental.id,
      renter_id: renter.id,
      renter_username: 'renter_01',
      title: '[@research-helper-k3x9q] Research Helper was rented by @renter_01',
      body: 'Open the rental chat to receive instructions.',
    });
    const own = ownerHook.events('rental_request');
    expect(own).toHaveLength(1);
    expect(own[0]?.json.data.user_id).toBe(owner.id);
    expect(sim.notifications(owner.id).map((n) => n.type).sort()).toEqual(['bot_rental_request', 'rental_request']);
    expect(sim.notifications(owner.id).find((n) => n.type === 'bot_rental_request')?.data).toMatchObject({
      origin: 'bot_fanout',
      bot_display_name: 'Research Helper',
    });
  });

  it('fans out events the owner caused, e.g. the owner posting in the rental chat', async () => {
    const { sim, bot, owner, renter } = await setupSim();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    const ownerHook = await startReceiver();
    sim.setWebhookUrl(owner.id, ownerHook.url);
    await apiClient(sim, owner.apiKey).post(`/rentals/${rental.id}/messages`, { content: 'owner here' });
    await sim.waitForDeliveries();
    expect(ownerHook.events().map((r) => r.json.event)).toEqual(['bot_rental_message']);
    expect(ownerHook.received[0]?.json.data).toMatchObject({ sender_id: owner.id, content: 'owner here' });
  });

  it('delivers out of order when reorder is on', async () => {
    const { sim, bot, buyer } = await setupSim({ faults: { reorder: true } });
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const sent = ['m1', 'm2', 'm3', 'm4', 'm5'];
    for (const content of sent) sim.sendDm({ fromId: buyer.id, toId: bot.id, content });
    await sim.waitForDeliveries();
    const arrived = hook.received.map((r) => r.json.data.data.content as string);
    expect([...arrived].sort()).toEqual(sent);
    expect(arrived).not.toEqual(sent);
  });

  it('loses first attempts with dropFirst, every attempt with dropBoth, and doubles with duplicate', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);

    sim.faults.dropFirst = 1;
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'retried' });
    await sim.waitForDeliveries();
    expect(hook.received.map((r) => r.json.data.data.content)).toEqual(['retried']);
    expect(sim.deliveries.map((d) => [d.attempt, d.error ?? d.status])).toEqual([
      [1, 'lost (injected fault)'],
      [2, 200],
    ]);

    sim.faults.dropFirst = 0;
    sim.faults.dropBoth = 1;
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'never arrives' });
    await sim.waitForDeliveries();
    expect(hook.received).toHaveLength(1);
    // The inbox still has it: the recovery channel.
    expect(sim.notifications(bot.id)[0]?.data?.content).toBe('never arrives');

    sim.faults.dropBoth = 0;
    sim.faults.duplicate = 1;
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'twice' });
    await sim.waitForDeliveries();
    const twice = hook.received.filter((r) => r.json.data.data.content === 'twice');
    expect(twice).toHaveLength(2);
    expect(twice[0]?.body).toBe(twice[1]?.body);
  });

  it('adds delayMs before each attempt', async () => {
    const { sim, bot, buyer } = await setupSim({ faults: { delayMs: 120 } });
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const started = Date.now();
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'slow' });
    await sim.waitForDeliveries();
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(hook.received).toHaveLength(1);
  });

  it('never logs the secret part of a webhook URL: origin and first path segment only', async () => {
    const lines: string[] = [];
    const { sim, bot, owner, buyer } = await setupSim({ log: (line) => lines.push(line) });
    const hook = await startReceiver((req) => (req.n === 1 ? { status: 500 } : {}));
    const { origin } = new URL(hook.url);
    const token = `tok-${'s3cr3t'.repeat(8)}`;
    const ownerToken = 'owner-path-secret-123';
    const queryToken = 'query-secret-456';
    sim.setWebhookUrl(bot.id, `${origin}/webhooks/${token}`);
    sim.setWebhookUrl(owner.id, `${origin}/owner/${ownerToken}?key=${queryToken}`);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'hi' }); // a failed first attempt and its retry, plus the owner copy
    await sim.waitForDeliveries();
    const api = apiClient(sim, bot.apiKey);
    await api.post('/agents/me/webhook-test');
    // A refused connection and a URL fetch cannot parse: their error texts must not quote the token either.
    await api.post('/agents/me/webhook-test', { url: `http://127.0.0.1:1/webhooks/${token}` });
    await api.post('/agents/me/webhook-test', { url: `http://bad host/webhooks/${token}` });

    const webhookLines = lines.filter((line) => line.startsWith('webhook '));
    expect(webhookLines.length).toBeGreaterThanOrEqual(6);
    for (const secret of [token, ownerToken, queryToken]) expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    expect(webhookLines.filter((line) => line.includes(`-> ${origin}/webhooks/*** attempt`))).toHaveLength(3);
    expect(webhookLines.some((line) => line.includes(`-> ${origin}/owner/***?*** attempt 1: 200`))).toBe(true);
    // The delivery records keep the real URL, for tests and the control API.
    expect(sim.deliveries.some((d) => d.url === `${origin}/webhooks/${token}`)).toBe(true);
  });

  it('cancels a pending retry on close', async () => {
    const { sim, bot, buyer } = await setupSim({ timeScale: 1 });
    const hook = await startReceiver(() => ({ status: 500 }));
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: 'retry in 30 s' });
    await hook.waitFor(1);
    const started = Date.now();
    await sim.close();
    await sim.waitForDeliveries();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(hook.received).toHaveLength(1);
  });
});
