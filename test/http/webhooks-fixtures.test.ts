import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_BOT_ID, FIXTURE_RENTAL_ID, startTestHost } from '../helpers/test-host.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'platform');
const fixtureFiles = readdirSync(FIXTURES).filter((name) => name.endsWith('.json')).sort();
const readFixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

const QUEUED_RENTAL_ID = '2d099e78-3545-416b-a0ac-bca410c23737';
const CONVERSATION_ID = '7361cb23-d7e4-4eeb-b4d3-1dfc7ba8bed9';

/** What each fixture is at the fixture bot's URL: who acts on it, or why it is only stored or refused. */
const EXPECTED: Record<string, { status: number; kind?: string; actorKey?: string | null }> = {
  'rental_request.json': { status: 200, kind: 'bot', actorKey: `rental:${FIXTURE_BOT_ID}:${FIXTURE_RENTAL_ID}` },
  'rental_request__queue_confirm.json': { status: 200, kind: 'bot', actorKey: `rental:${FIXTURE_BOT_ID}:${QUEUED_RENTAL_ID}` },
  'rental_message.json': { status: 200, kind: 'bot', actorKey: `rental:${FIXTURE_BOT_ID}:${FIXTURE_RENTAL_ID}` },
  'rental_ending_soon.json': { status: 200, kind: 'bot', actorKey: `rental:${FIXTURE_BOT_ID}:${FIXTURE_RENTAL_ID}` },
  'rental_ended.json': { status: 200, kind: 'bot', actorKey: `rental:${FIXTURE_BOT_ID}:${FIXTURE_RENTAL_ID}` },
  'new_message.json': { status: 200, kind: 'bot', actorKey: `dm:${FIXTURE_BOT_ID}:${CONVERSATION_ID}` },
  'owner_message.json': { status: 200, kind: 'bot', actorKey: `owner:${FIXTURE_BOT_ID}` },
  // Owner copies: stored and acknowledged, never answered.
  'bot_rental_message.json': { status: 200, kind: 'owner_copy', actorKey: null },
  'bot_rental_request.json': { status: 200, kind: 'owner_copy', actorKey: null },
  'credits_received__stripe_topup.json': { status: 200, kind: 'owner_copy', actorKey: null },
  'rental_queue_joined__owner.json': { status: 200, kind: 'owner_copy', actorKey: null },
  'webhook.test.json': { status: 200, kind: 'test', actorKey: null },
  'webhook.test__agents_me.json': { status: 200, kind: 'test', actorKey: null },
  // Addressed to the queued renter, never to a bot (§2.2): refused at a bot's URL.
  'rental_queue_claim.json': { status: 403 },
  'rental_queue_joined.json': { status: 403 },
  'rental_queue_started.json': { status: 403 },
};
// Everything else is a standard event for the bot: its events actor applies the bot's event policy.
const expectedFor = (name: string) => EXPECTED[name] ?? { status: 200, kind: 'bot', actorKey: `events:${FIXTURE_BOT_ID}` };

describe('every platform fixture at the bot webhook URL', () => {
  it('covers one payload per event, owner copies and both webhook.test shapes', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(31);
    for (const name of Object.keys(EXPECTED)) expect(fixtureFiles).toContain(name);
  });

  it.each(fixtureFiles)('%s is accepted and routed, or refused, as the contract says', async (name) => {
    const { host, bots, post } = await startTestHost({});
    const payload = readFixture(name);
    const expected = expectedFor(name);
    const response = await post(bots[0]!, JSON.stringify(payload));
    expect(response.status).toBe(expected.status);
    if (expected.status !== 200) {
      expect(response.body.code).toBe('AA_WEBHOOK_RECIPIENT');
      const dead = host.stores.db.prepare('SELECT status, raw_body FROM dead_letters').all() as { status: number; raw_body: string }[];
      expect(dead).toEqual([{ status: 403, raw_body: JSON.stringify(payload) }]);
      return;
    }
    expect(response.body).toMatchObject({ ok: true, duplicate: false });
    const rows = host.stores.db.prepare('SELECT kind, actor_key, event, body FROM inbox').all() as Record<string, string | null>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: expected.kind, actor_key: expected.actorKey, event: payload.event, body: JSON.stringify(payload) });
    if (expected.kind === 'test') {
      expect(response.body).toMatchObject({ bot: 'research-helper', profile_id: FIXTURE_BOT_ID });
      expect(response.body.message).toContain('research-helper');
    }
  });
});
