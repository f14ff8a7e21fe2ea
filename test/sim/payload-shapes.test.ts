/**
 * The emulator's webhook bodies against the real-shaped fixtures: same keys in the same
 * order at every depth, and the same values once ids and timestamps are masked. The cast
 * and texts are the fixtures' own, so titles, bodies and truncation must match exactly.
 */
import { describe, expect, it } from 'vitest';
import { apiClient, keyOrder, loadFixture, normalise, setupSim, startReceiver, type Received } from './helpers.js';

const RENTAL_TEXT =
  'Summarize the key differences between dense and sparse retrieval in five bullet points, then suggest which one fits a 2-million-document support knowledge base. Keep it under 300 words and cite any benchmark numbers you rely on.';
const DM_TEXT =
  'Hi! Could you put together a short literature summary on retrieval-augmented generation? Budget is flexible, ideally by Friday.';
const OWNER_TEXT = 'Please keep rental replies under 250 words today and always end with a one-line TL;DR.';
const POST_TEXT =
  'Shipped a new walkthrough: how I chunk long PDFs before embedding them, with timings for three chunk sizes and the trade-offs I saw in answer quality.';
const REPLY_TEXT = 'Nice write-up. Did you try overlapping chunks, and if so how much overlap?';
const INSTRUCTIONS =
  'Please compare the three attached vendor proposals and give me a ranked shortlist with one paragraph of reasoning each.';

function expectLikeFixture(received: Received | undefined, fixture: string): void {
  const expected = loadFixture(fixture);
  expect(received, `no delivery for ${fixture}`).toBeDefined();
  expect(keyOrder(received?.json)).toEqual(keyOrder(expected));
  expect(normalise(received?.json)).toEqual(normalise(expected));
}

async function castWithHooks() {
  const cast = await setupSim();
  const botHook = await startReceiver();
  const ownerHook = await startReceiver();
  cast.sim.setWebhookUrl(cast.bot.id, botHook.url);
  cast.sim.setWebhookUrl(cast.owner.id, ownerHook.url);
  return { ...cast, botHook, ownerHook };
}

describe('sim payloads match the platform fixtures', () => {
  it('new_message', async () => {
    const { sim, bot, buyer, botHook } = await castWithHooks();
    await apiClient(sim, buyer.apiKey).post('/messages', { to_id: bot.id, content: DM_TEXT });
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('new_message')[0], 'new_message');
  });

  it('rental_request (direct) to the bot, and the owner copies', async () => {
    const { sim, bot, owner, renter, botHook, ownerHook } = await castWithHooks();
    await apiClient(sim, renter.apiKey).post('/rentals', { bot_id: bot.id });
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('rental_request')[0], 'rental_request');
    expectLikeFixture(ownerHook.events('bot_rental_request')[0], 'bot_rental_request');
    const ownerCopy = ownerHook.events('rental_request')[0];
    expectLikeFixture(ownerCopy, 'rental_request');
    expect(ownerCopy?.json.data.user_id).toBe(owner.id);
  });

  it('rental_request (queue confirm), owner first, then the bot', async () => {
    const { sim, bot, renter2, botHook, ownerHook } = await castWithHooks();
    const rental = sim.queueConfirmRental({ botId: bot.id, renterId: renter2.id, minutes: 30, instructions: INSTRUCTIONS });
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('rental_request')[0], 'rental_request__queue_confirm');
    expectLikeFixture(ownerHook.events('rental_request')[0], 'rental_request__queue_confirm');
    const standard = sim.deliveries.filter((d) => d.event === 'rental_request').map((d) => d.url);
    expect(standard).toEqual([ownerHook.url, botHook.url]);
    // The instructions are the renter's first chat message, and fire no rental_message.
    expect(sim.rentalMessages(rental.id).map((m) => m.content)).toEqual([INSTRUCTIONS]);
    expect(botHook.events('rental_message')).toHaveLength(0);
  });

  it('rental_message and its bot_rental_message copy, with the body cut to 197 + "..."', async () => {
    const { sim, bot, renter, botHook, ownerHook } = await castWithHooks();
    const rental = sim.startRental({ botId: bot.id, renterId: renter.id });
    await apiClient(sim, renter.apiKey).post(`/rentals/${rental.id}/messages`, { content: RENTAL_TEXT });
    await sim.waitForDeliveries();
    const message = botHook.events('rental_message')[0];
    expectLikeFixture(message, 'rental_message');
    expect(message?.json.data.body).toHaveLength(200);
    expectLikeFixture(ownerHook.events('bot_rental_message')[0], 'bot_rental_message');
  });

  it('owner_message', async () => {
    const { sim, bot, owner, botHook } = await castWithHooks();
    await apiClient(sim, owner.apiKey).post(`/bots/${bot.id}/owner-chat`, { content: OWNER_TEXT });
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('owner_message')[0], 'owner_message');
  });

  it('rental_ended and rental_ending_soon', async () => {
    const { sim, bot, renter, botHook } = await castWithHooks();
    const first = sim.startRental({ botId: bot.id, renterId: renter.id });
    await apiClient(sim, renter.apiKey).delete(`/rentals/${first.id}`);
    sim.startRental({ botId: bot.id, renterId: renter.id, durationMs: 60_000 });
    await apiClient(sim, bot.apiKey).get('/agents/me/pending');
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('rental_ended')[0], 'rental_ended');
    expectLikeFixture(botHook.events('rental_ending_soon')[0], 'rental_ending_soon');
  });

  it('webhook.test from both routes', async () => {
    const { sim, bot, botHook } = await castWithHooks();
    await apiClient(sim, bot.apiKey).post(`/agents/${bot.id}/webhook-test`);
    await apiClient(sim, bot.apiKey).post('/agents/me/webhook-test');
    expectLikeFixture(botHook.received[0], 'webhook.test');
    expectLikeFixture(botHook.received[1], 'webhook.test__agents_me');
  });

  it('post_reply, post_liked and post_disliked', async () => {
    const { sim, bot, owner, botHook } = await castWithHooks();
    const post = sim.createPost({ authorId: bot.id, content: POST_TEXT });
    const replier = sim.createHuman({ username: 'replier_01', displayName: 'Replier One' });
    const reactor = sim.createHuman({ username: 'reactor_01' });
    const critic = sim.createBot({ ownerId: owner.id, username: 'critic-bot-w4n8t' });
    await apiClient(sim, replier.apiKey).post('/feed', { content: REPLY_TEXT, parent_id: post.id });
    await apiClient(sim, reactor.apiKey).post(`/feed/${post.id}/react`, { reaction: 'like' });
    await apiClient(sim, critic.apiKey).post(`/feed/${post.id}/react`, { reaction: 'dislike' });
    await sim.waitForDeliveries();
    expectLikeFixture(botHook.events('post_reply')[0], 'post_reply');
    expectLikeFixture(botHook.events('post_liked')[0], 'post_liked');
    expectLikeFixture(botHook.events('post_disliked')[0], 'post_disliked');
  });

  it('the retry repeats the body byte for byte', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver((req) => (req.n === 1 ? { status: 500 } : {}));
    sim.setWebhookUrl(bot.id, hook.url);
    sim.sendDm({ fromId: buyer.id, toId: bot.id, content: DM_TEXT });
    await sim.waitForDeliveries();
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]?.body).toBe(hook.received[0]?.body);
  });
});
