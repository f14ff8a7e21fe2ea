import { describe, expect, it, onTestFinished } from 'vitest';
import { SimApiError, startSim } from '../../src/sim/index.js';
import { apiClient, setupSim, startReceiver } from './helpers.js';

const QUOTA_LIMITS = { free_limit: 3, paid_limit: 10, max_limit: 13 };

describe('sim feed: POST /api/feed', () => {
  it('creates a top-level post: 201 with the row, the author and pending_approval, the content stored untrimmed', async () => {
    const { sim, bot } = await setupSim();
    const res = await apiClient(sim, bot.apiKey).post('/feed', { content: '  hello feed  ', tags: ['rag'] });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      author_id: bot.id,
      content: '  hello feed  ',
      tags: ['rag'],
      parent_id: null,
      reply_count: 0,
      like_count: 0,
      author: { id: bot.id, username: 'research-helper-k3x9q', display_name: 'Research Helper', user_type: 'agent' },
      pending_approval: false,
    });
    expect(Object.keys(res.json.author)).toEqual(['id', 'username', 'display_name', 'user_type']);
    expect(sim.getPost(res.json.id)?.content).toBe('  hello feed  ');
  });

  it('measures the 5000-character limit before trim and refuses blank content, bad JSON and no key', async () => {
    const { sim, bot } = await setupSim();
    const api = apiClient(sim, bot.apiKey);
    // Replies: the limit checks do not touch the quota.
    const parent = sim.createPost({ authorId: bot.id, content: 'parent' });
    expect((await api.post('/feed', { content: 'x'.repeat(5000), parent_id: parent.id })).status).toBe(201);
    const padded = await api.post('/feed', { content: ` ${'x'.repeat(4999)} `, parent_id: parent.id });
    expect(padded.status).toBe(400);
    expect(padded.json).toEqual({ error: 'content must be under 5000 characters' });
    expect((await api.post('/feed', { content: ' \n ' })).json).toEqual({ error: 'content is required' });
    expect((await api.post('/feed', {})).json).toEqual({ error: 'content is required' });
    expect((await api.post('/feed', 'not json')).json).toEqual({ error: 'Invalid JSON body' });
    const anonymous = await apiClient(sim, null).post('/feed', { content: 'hi' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toEqual({ error: 'Authentication required' });
    expect(sim.feedPosts()).toHaveLength(2);
    // Only the parent counted: refused posts and replies use no quota.
    expect((await api.get('/feed/quota')).json.free_used).toBe(1);
  });

  it('gives 3 free posts a day, then 402 requires_payment (success-shaped) unless pay_for_post is true, then 429 after 13', async () => {
    const { sim, buyer } = await setupSim();
    const api = apiClient(sim, buyer.apiKey);
    const balance = sim.getProfile(buyer.id)!.credit_balance;
    for (let n = 1; n <= 3; n++) expect((await api.post('/feed', { content: `free ${n}`, pay_for_post: n === 3 })).status).toBe(201);
    // A free slot is used even with pay_for_post: nothing is charged.
    expect(sim.getProfile(buyer.id)!.credit_balance).toBe(balance);
    expect((await api.get('/feed/quota')).json).toEqual({
      free_used: 3, paid_used: 0, free_remaining: 0, paid_remaining: 10, total_remaining: 10, ...QUOTA_LIMITS,
    });

    const unpaid = await api.post('/feed', { content: 'one more' });
    expect(unpaid.status).toBe(402);
    expect(unpaid.json).toEqual({
      requires_payment: true,
      free_used: 3,
      paid_used: 0,
      free_remaining: 0,
      paid_remaining: 10,
      cost_aa: 1,
      message: 'Your 3 free posts for today are used. Buy an extra post for 1 AA Credit.',
    });
    // Only a JSON true pays.
    expect((await api.post('/feed', { content: 'one more', pay_for_post: 'true' })).status).toBe(402);
    expect(sim.getProfile(buyer.id)!.credit_balance).toBe(balance);

    for (let n = 1; n <= 10; n++) expect((await api.post('/feed', { content: `paid ${n}`, pay_for_post: true })).status).toBe(201);
    expect(sim.getProfile(buyer.id)!.credit_balance).toBe(balance - 10);
    const over = await api.post('/feed', { content: 'fourteenth', pay_for_post: true });
    expect(over.status).toBe(429);
    expect(over.json).toEqual({ error: 'Daily post limit reached (13/day). Resets at midnight UTC.' });
    expect((await api.get('/feed/quota')).json).toMatchObject({ free_used: 3, paid_used: 10, total_remaining: 0 });
    expect(sim.getProfile(buyer.id)!.credit_balance).toBe(balance - 10);

    // Replies skip the quota.
    const parent = sim.feedPosts()[0]!;
    expect((await api.post('/feed', { content: 'a reply', parent_id: parent.id })).status).toBe(201);

    // The quota is per UTC day on the platform clock.
    sim.advanceClock(24 * 60 * 60_000);
    expect((await api.get('/feed/quota')).json).toMatchObject({ free_used: 0, paid_used: 0, total_remaining: 13 });
  });

  it('answers 402 "Insufficient AA balance" when a paid post cannot be paid, and charges nothing', async () => {
    const { sim, bot } = await setupSim();
    const api = apiClient(sim, bot.apiKey);
    expect(sim.getProfile(bot.id)!.credit_balance).toBe(0);
    for (let n = 1; n <= 3; n++) await api.post('/feed', { content: `free ${n}` });
    const res = await api.post('/feed', { content: 'paid', pay_for_post: true });
    expect(res.status).toBe(402);
    expect(res.json).toEqual({ error: 'Insufficient AA balance. Extra posts cost 1 AA.' });
    expect((await api.get('/feed/quota')).json.paid_used).toBe(0);
    expect(() => sim.createPost({ authorId: bot.id, content: 'paid' })).toThrow(SimApiError);
  });

  it('a reply to someone else sends post_reply to the parent author (and the owner copy); a self-reply sends nothing', async () => {
    const { sim, bot, owner, buyer } = await setupSim();
    const botHook = await startReceiver();
    const ownerHook = await startReceiver();
    sim.setWebhookUrl(bot.id, botHook.url);
    sim.setWebhookUrl(owner.id, ownerHook.url);
    const post = sim.createPost({ authorId: bot.id, content: 'my post' });
    await apiClient(sim, bot.apiKey).post('/feed', { content: 'adding to my own post', parent_id: post.id });
    const long = `${'w'.repeat(250)}`;
    const reply = await apiClient(sim, buyer.apiKey).post('/feed', { content: long, parent_id: post.id });
    expect(reply.status).toBe(201);
    await sim.waitForDeliveries();
    expect(botHook.events().map((r) => r.json.event)).toEqual(['post_reply']);
    const event = botHook.events('post_reply')[0]!.json.data;
    expect(event).toMatchObject({
      type: 'post_reply',
      title: 'Buyer One replied to your post',
      body: `${'w'.repeat(197)}...`,
      link: `/feed#post-${post.id}`,
      data: { post_id: post.id, parent_content: 'my post', reply_id: reply.json.id, reply_content: long, replier_id: buyer.id, replier_username: 'buyer_01' },
    });
    expect(ownerHook.events().map((r) => r.json.event)).toEqual(['bot_post_reply']);
    expect(sim.getPost(post.id)?.reply_count).toBe(2);
  });

  it('refuses a reply to a post that does not exist with the database error (500)', async () => {
    const { sim, bot } = await setupSim();
    const api = apiClient(sim, bot.apiKey);
    const missing = await api.post('/feed', { content: 'hi', parent_id: '00000000-0000-4000-8000-000000000000' });
    expect(missing.status).toBe(500);
    expect(missing.json.error).toMatch(/foreign key constraint/);
    expect((await api.post('/feed', { content: 'hi', parent_id: 'nope' })).status).toBe(500);
    expect(sim.feedPosts()).toHaveLength(0);
  });
});

describe('sim feed: reading', () => {
  it('GET /api/feed/{id} gives the post, its replies oldest first (limit ≤ 200) and reply_count; public, a bad key is anonymous', async () => {
    const { sim, bot, buyer, renter } = await setupSim();
    const post = sim.createPost({ authorId: bot.id, content: 'root' });
    sim.createPost({ authorId: buyer.id, content: 'first reply', parentId: post.id });
    sim.createPost({ authorId: renter.id, content: 'second reply', parentId: post.id });
    const res = await apiClient(sim, 'aa_not-a-key').get(`/feed/${post.id}?limit=1`);
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['post', 'replies', 'reply_count']);
    expect(res.json.post).toMatchObject({ id: post.id, content: 'root', author: { id: bot.id } });
    expect(res.json.replies.map((r: { content: string; author_id: string }) => [r.content, r.author_id])).toEqual([['first reply', buyer.id]]);
    expect(res.json.reply_count).toBe(2);
    expect((await apiClient(sim, null).get(`/feed/${post.id}`)).json.replies).toHaveLength(2);
    const missing = await apiClient(sim, null).get('/feed/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: 'Post not found' });
  });

  it('GET /api/feed lists top-level posts newest first, with limit, offset, tag, and my_reaction for a caller with a key', async () => {
    const { sim, bot, buyer } = await setupSim();
    const a = sim.createPost({ authorId: bot.id, content: 'a', tags: ['x'] });
    sim.createPost({ authorId: buyer.id, content: 'b' });
    sim.createPost({ authorId: buyer.id, content: 'reply to a', parentId: a.id });
    sim.reactToPost({ postId: a.id, userId: buyer.id, reaction: 'like' });
    const anonymous = await apiClient(sim, null).get('/feed');
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.posts.map((p: { content: string }) => p.content)).toEqual(['b', 'a']);
    expect(anonymous.json).toMatchObject({ limit: 20, offset: 0 });
    expect(anonymous.json.posts[0]).not.toHaveProperty('my_reaction');
    const mine = await apiClient(sim, buyer.apiKey).get('/feed?limit=1&offset=1');
    expect(mine.json.posts).toEqual([expect.objectContaining({ id: a.id, like_count: 1, human_like_count: 1, my_reaction: 'like' })]);
    expect((await apiClient(sim, null).get('/feed?tag=x')).json.posts.map((p: { id: string }) => p.id)).toEqual([a.id]);
    expect((await apiClient(sim, null).get('/feed?limit=500')).json.limit).toBe(100);
  });

  it('GET /api/feed/quota needs a key', async () => {
    const { sim, bot } = await setupSim();
    expect((await apiClient(sim, null).get('/feed/quota')).status).toBe(401);
    expect((await apiClient(sim, bot.apiKey).get('/feed/quota')).json).toEqual({
      free_used: 0, paid_used: 0, free_remaining: 3, paid_remaining: 10, total_remaining: 13, ...QUOTA_LIMITS,
    });
  });
});

describe('sim feed: reactions', () => {
  it('sends post_liked / post_disliked to the author on every call, nothing for the author or DELETE; 400 for a bad reaction', async () => {
    const { sim, bot, buyer } = await setupSim();
    const hook = await startReceiver();
    sim.setWebhookUrl(bot.id, hook.url);
    const post = sim.createPost({ authorId: bot.id, content: 'react to me' });
    const api = apiClient(sim, buyer.apiKey);
    expect((await api.post(`/feed/${post.id}/react`, { reaction: 'like' })).json).toEqual({ reaction: 'like' });
    await api.post(`/feed/${post.id}/react`, { reaction: 'like' });
    await api.post(`/feed/${post.id}/react`, { reaction: 'dislike' });
    await apiClient(sim, bot.apiKey).post(`/feed/${post.id}/react`, { reaction: 'like' });
    expect((await api.delete(`/feed/${post.id}/react`)).json).toEqual({ reaction: null });
    const bad = await api.post(`/feed/${post.id}/react`, { reaction: 'love' });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: 'reaction must be "like" or "dislike"' });
    await sim.waitForDeliveries();
    expect(hook.events().map((r) => r.json.event)).toEqual(['post_liked', 'post_liked', 'post_disliked']);
    expect(hook.events('post_disliked')[0]!.json.data).toMatchObject({
      type: 'dislike',
      title: '@buyer_01 disliked your post',
      link: `/feed#${post.id}`,
      data: { post_id: post.id, reaction: 'dislike', reactor_id: buyer.id, reactor_username: 'buyer_01', reactor_user_type: 'human' },
    });
    // Only the bot's own like is left.
    expect(sim.getPost(post.id)).toMatchObject({ like_count: 1, bot_like_count: 1, human_like_count: 0, human_dislike_count: 0 });
  });

  it('answers 405 for a method the feed routes do not have, and 404 past them', async () => {
    const { sim, bot } = await setupSim();
    const post = sim.createPost({ authorId: bot.id, content: 'x' });
    const api = apiClient(sim, bot.apiKey);
    expect((await api.get(`/feed/${post.id}/react`)).status).toBe(405);
    expect((await api.post('/feed/quota', {})).status).toBe(405);
    expect((await api.get(`/feed/${post.id}/replies`)).status).toBe(404);
  });

  it('saves and restores the feed with the rest of the state', async () => {
    const { sim, bot, buyer } = await setupSim();
    const post = sim.createPost({ authorId: bot.id, content: 'kept' });
    sim.createPost({ authorId: buyer.id, content: 'reply kept', parentId: post.id });
    sim.reactToPost({ postId: post.id, userId: buyer.id, reaction: 'like' });
    const saved = JSON.parse(JSON.stringify(sim.exportState()));
    const fresh = await startSim({ state: saved });
    onTestFinished(() => fresh.close());
    expect(fresh.getPost(post.id)).toMatchObject({ content: 'kept', reply_count: 1, like_count: 1 });
    expect(fresh.postReplies(post.id).map((r) => r.content)).toEqual(['reply kept']);
    expect((await apiClient(fresh, bot.apiKey).get('/feed/quota')).json.free_used).toBe(1);
    // A save from before the feed still loads, with an empty feed.
    const { posts: _posts, post_reactions: _reactions, daily_post_counts: _counts, ...older } = saved;
    const legacy = await startSim({ state: older });
    onTestFinished(() => legacy.close());
    expect(legacy.feedPosts()).toEqual([]);
  });
});
