import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ACTOR_EVENTS,
  EventOverridesSchema,
  NEVER_SENT_EVENTS,
  NOT_FOR_BOTS_EVENTS,
  PLATFORM_EVENTS,
  postForTarget,
  resolveEventAction,
  type EventAction,
} from '../../src/agent/event-policies.js';
import { isKnownEvent } from '../../src/ingress/known-events.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/platform/', import.meta.url));
const BUYER = 'c5e1f702-790d-40de-a40a-c8f79c01ee0e';

/** A fixture's event name and the data the resolver reads: `data.data` of the envelope, or the flat `data`. */
function fixture(name: string): { event: string; data: Record<string, unknown> } {
  const payload = JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as { event: string; data: Record<string, unknown> };
  const inner = payload.data.data;
  return { event: payload.event, data: (typeof inner === 'object' && inner !== null ? inner : payload.data) as Record<string, unknown> };
}

function resolveFixture(name: string, overrides = {}): EventAction {
  const { event, data } = fixture(name);
  return resolveEventAction(event, data, EventOverridesSchema.parse(overrides));
}

describe('event policies: every event has a default', () => {
  it('covers exactly the events ingress knows', () => {
    for (const event of PLATFORM_EVENTS) expect(isKnownEvent(event)).toBe(true);
    expect(isKnownEvent('robot_uprising')).toBe(false);
    for (const event of [...NEVER_SENT_EVENTS, ...NOT_FOR_BOTS_EVENTS, ...ACTOR_EVENTS]) expect(PLATFORM_EVENTS).toContain(event);
  });

  const DEFAULTS: [string, EventAction['kind']][] = [
    ['rental_request', 'actor'],
    ['rental_request__queue_confirm', 'actor'],
    ['rental_message', 'actor'],
    ['rental_ending_soon', 'actor'],
    ['rental_ended', 'actor'],
    ['owner_message', 'actor'],
    ['webhook.test', 'actor'],
    ['webhook.test__agents_me', 'actor'],
    ['new_message', 'llm'],
    ['post_reply', 'llm'],
    ['new_follower', 'log'],
    ['post_liked', 'log'],
    ['post_disliked', 'log'],
    ['product_purchased', 'log'],
    ['review_posted', 'log'],
    ['credits_received', 'log'],
    ['credits_received__admin_grant', 'log'],
    ['credits_received__dispute_refund', 'log'],
    ['credits_received__stripe_topup', 'log'],
    ['service_request', 'post'],
    ['service_request__purchase_seller', 'post'],
    ['service_request__status_change', 'log'],
    ['dispute_opened', 'post'],
    ['dispute_resolved', 'post'],
    ['sponsor_offer', 'post'],
    ['rental_queue_joined', 'log'],
    ['rental_queue_joined__owner', 'log'],
    ['rental_queue_claim', 'log'],
    ['rental_queue_started', 'log'],
    ['bot_rental_message', 'ignore'],
    ['bot_rental_request', 'ignore'],
  ];

  it.each(DEFAULTS)('%s → %s', (name, kind) => {
    expect(resolveFixture(name).kind).toBe(kind);
  });

  it('the table above covers every platform fixture', () => {
    const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(DEFAULTS.map(([name]) => name).sort()).toEqual(names.sort());
  });

  it('answers DMs with the model: the DM text only as user text, the reply to the sender', () => {
    const action = resolveFixture('new_message');
    expect(action).toEqual({
      kind: 'llm',
      event: 'new_message',
      target: { kind: 'dm', toId: BUYER },
      task: 'Someone sent you a direct message. Answer it.',
      userText: fixture('new_message').data.content,
    });
  });

  it('answers post replies on the feed, under the reply', () => {
    expect(resolveFixture('post_reply')).toMatchObject({
      kind: 'llm',
      target: { kind: 'feed_reply', parentId: '87898e98-a66e-4b89-980c-23113afa3a06' },
      userText: 'Nice write-up. Did you try overlapping chunks, and if so how much overlap?',
    });
  });

  it('acknowledges service requests to the buyer by DM', () => {
    expect(resolveFixture('service_request')).toEqual({
      kind: 'post',
      event: 'service_request',
      target: { kind: 'dm', toId: BUYER },
      text: 'Thanks for your request for "Custom literature review". I have received it and will get back to you here shortly.',
    });
    expect(resolveFixture('service_request__purchase_seller')).toMatchObject({
      kind: 'post',
      target: { kind: 'dm', toId: BUYER },
      text: expect.stringContaining('Thanks for your order of "Custom literature review" (#3cd57031-b91e-407e-bbc8-776c66954e60)'),
    });
  });

  it('logs the copy of a service order where the bot is the buyer, whatever the overrides', () => {
    const { data } = fixture('service_request__purchase_seller');
    const buyerCopy = { ...data, role: 'buyer', seller_id: BUYER };
    const action = resolveEventAction('service_request', buyerCopy, EventOverridesSchema.parse({ service_request: 'llm' }));
    expect(action).toMatchObject({ kind: 'log', reason: expect.stringContaining('as buyer') });
  });

  it('surfaces disputes and sponsor offers to the owner chat', () => {
    expect(resolveFixture('dispute_opened')).toEqual({
      kind: 'post',
      event: 'dispute_opened',
      target: { kind: 'owner_chat' },
      text:
        'A dispute was opened on "Prompt Pack: Research Workflows" by @buyer_01: File is missing two of the advertised prompts\n' +
        'The listing says 24 prompts; the download contains 22.\nIt needs your attention in the dashboard (dispute fd80c240-df23-4e64-8753-38b7b92f633f).',
    });
    expect(resolveFixture('dispute_resolved')).toMatchObject({
      target: { kind: 'owner_chat' },
      text: 'The dispute on "Prompt Pack: Research Workflows" was resolved (refund: 10 AA). Partial refund: two prompts were missing from the delivered file.',
    });
    expect(resolveFixture('sponsor_offer')).toMatchObject({
      target: { kind: 'owner_chat' },
      text: expect.stringContaining('Sponsorship offer from @sponsor_01: sponsor share 25%, daily cap 100 AA, posts: approval.'),
    });
  });

  it('logs ids, amounts and statuses, never the text people wrote', () => {
    const action = resolveFixture('credits_received');
    expect(action).toEqual({
      kind: 'log',
      event: 'credits_received',
      reason: 'default',
      fields: { amount: 25, source: 'transfer', from_id: BUYER, from_username: 'buyer_01', transaction_id: '8883ff1f-5fc8-4614-95c5-8651eb2ccaeb' },
    });
    expect(JSON.stringify(resolveFixture('review_posted'))).not.toContain('Saved me hours');
  });

  it('documents the events the platform never sends, and those never addressed to a bot', () => {
    for (const event of NEVER_SENT_EVENTS) {
      expect(resolveEventAction(event, {})).toMatchObject({ kind: 'log', reason: expect.stringContaining('never sent') });
    }
    expect(resolveFixture('rental_queue_claim')).toMatchObject({ kind: 'log', reason: expect.stringContaining('never to a bot') });
    expect(resolveEventAction('brand_new_event', null)).toMatchObject({ kind: 'log', reason: 'not a platform event', fields: {} });
  });
});

describe('event policies: overrides from the bot file', () => {
  it('thanks new followers by DM with a template', () => {
    const action = resolveFixture('new_follower', {
      new_follower: { action: 'template', template: 'Thanks for the follow, {follower_display_name}! Rent me any time.' },
    });
    expect(action).toEqual({
      kind: 'post',
      event: 'new_follower',
      target: { kind: 'dm', toId: 'b8aae0b3-b317-4145-b5e4-9f6091ed46d3' },
      text: 'Thanks for the follow, Follower One! Rent me any time.',
    });
  });

  it('ignores DMs, logs post replies, or lets the model thank reviewers', () => {
    expect(resolveFixture('new_message', { new_message: 'ignore' })).toMatchObject({ kind: 'ignore', reason: 'bot file override' });
    expect(resolveFixture('post_reply', { post_reply: 'log' })).toMatchObject({ kind: 'log' });
    expect(resolveFixture('review_posted', { review_posted: { action: 'llm', instructions: 'Mention the discount code THANKS10.' } })).toEqual({
      kind: 'llm',
      event: 'review_posted',
      target: { kind: 'dm', toId: BUYER },
      task: 'Your product got a review (rating 5 of 5). Write a short thank-you to the reviewer.\nMention the discount code THANKS10.',
      userText: 'Saved me hours. The research checklist prompt alone was worth it.',
    });
  });

  it('sends a template to the owner instead, or logs when there is no one to answer', () => {
    expect(resolveFixture('product_purchased', { product_purchased: { action: 'template', to: 'owner', template: 'Sold "{product_title}" for {price_credits} AA.' } })).toEqual({
      kind: 'post',
      event: 'product_purchased',
      target: { kind: 'owner_chat' },
      text: 'Sold "Prompt Pack: Research Workflows" for 40 AA.',
    });
    expect(resolveFixture('credits_received__admin_grant', { credits_received: { action: 'template', template: 'Thanks for {amount} AA!' } })).toMatchObject({
      kind: 'log',
      reason: expect.stringContaining('no one to answer'),
    });
  });

  it('refuses overrides of actor events, unknown events, unknown template fields and unknown keys', () => {
    const problems = (overrides: unknown) => {
      const result = EventOverridesSchema.safeParse(overrides);
      return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(problems({ rental_message: 'ignore' })[0]).toContain('rental_message: "rental_message" is handled by the rental and owner-chat actors');
    expect(problems({ new_folower: 'ignore' })[0]).toContain('"new_folower" is not a platform event');
    expect(problems({ new_follower: { action: 'template', template: 'Hi {follower_name}' } })[0]).toBe(
      'new_follower.template: unknown field {follower_name}; new_follower has follower_id, follower_username, follower_display_name, follower_user_type',
    );
    expect(problems({ new_follower: { action: 'template', template: 'x', extra: 1 } })).not.toEqual([]);
    expect(problems({ new_follower: 'shout' })).not.toEqual([]);
    expect(problems({ new_follower: 'ignore', post_liked: { action: 'log' } })).toEqual([]);
  });
});

describe('postForTarget', () => {
  it('maps each target to the platform route that posts there', () => {
    expect(postForTarget({ kind: 'dm', toId: BUYER }, 'hi', 'bot-1')).toEqual({ method: 'POST', path: '/messages', body: { to_id: BUYER, content: 'hi' } });
    expect(postForTarget({ kind: 'feed_reply', parentId: 'p1' }, 'thanks', 'bot-1')).toEqual({
      method: 'POST',
      path: '/feed',
      body: { content: 'thanks', parent_id: 'p1' },
    });
    expect(postForTarget({ kind: 'owner_chat' }, 'fyi', 'bot-1')).toEqual({ method: 'POST', path: '/bots/bot-1/owner-chat', body: { content: 'fyi' } });
  });
});
