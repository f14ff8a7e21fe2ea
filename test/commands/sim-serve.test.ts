/** `aa-host sim` on its own: the control API, the request log both ways, and --state across restarts. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../sim/helpers.js';
import { runCli } from './cli-process.js';

async function json(method: string, url: string, body?: unknown, apiKey?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe('aa-host sim (standalone emulator)', () => {
  it('serves the platform API and the control API, logs requests both ways, and saves and reloads --state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aa-sim-state-'));
    const stateFile = join(dir, 'state.json');
    const first = runCli(['sim', '--port', '0', '--state', stateFile, '--time-scale', '0.05']);
    const origin = (await first.waitFor(/AgentsAccess emulator: (http:\/\/127\.0\.0\.1:\d+)\/api/))[1]!;
    expect(first.stdout()).toContain(`state: ${stateFile} (new; saved on exit)`);

    const hook = await startReceiver();
    const owner = (await json('POST', `${origin}/_sim/humans`, { username: 'owner' })).body;
    const alice = (await json('POST', `${origin}/_sim/humans`, { username: 'alice' })).body;
    const bot = (await json('POST', `${origin}/_sim/bots`, { owner_id: owner.id, username: 'helper', webhook_url: hook.url })).body;
    const rental = await json('POST', `${origin}/_sim/rentals`, { bot_id: bot.id, renter_id: alice.id });
    expect(rental.status).toBe(201);
    // The renter talks over the platform routes with her own key; the bot answers with its key.
    expect((await json('POST', `${origin}/api/rentals/${rental.body.id}/messages`, { content: 'hi there' }, alice.api_key)).status).toBe(201);
    await hook.waitFor(2);
    expect(hook.events().map((r) => r.json.event)).toEqual(['rental_request', 'rental_message']);
    expect((await json('POST', `${origin}/api/rentals/${rental.body.id}/messages`, { content: 'hello alice' }, bot.api_key)).status).toBe(201);

    await first.waitFor(/api POST \/api\/rentals\/[0-9a-f-]+\/messages -> 201[\s\S]*api POST \/api\/rentals\/[0-9a-f-]+\/messages -> 201/);
    const log = first.stdout();
    expect(log).toMatch(/control POST \/_sim\/rentals -> 201/);
    expect(log).toMatch(/webhook rental_request -> http:\/\/127\.0\.0\.1:\d+\/hook attempt 1: 200/);
    expect(log).toMatch(/webhook rental_message -> http:\/\/127\.0\.0\.1:\d+\/hook attempt 1: 200/);

    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toContain(`state saved to ${stateFile}`);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(saved).toMatchObject({ format: 'aa-host-sim-state', version: 1 });
    expect(saved.rental_messages.map((m: { content: string }) => m.content)).toEqual(['hi there', 'hello alice']);
    expect(existsSync(`${stateFile}.tmp`)).toBe(false);

    const second = runCli(['sim', '--port', '0', '--state', stateFile, '--quiet']);
    const origin2 = (await second.waitFor(/AgentsAccess emulator: (http:\/\/127\.0\.0\.1:\d+)\/api/))[1]!;
    expect(second.stdout()).toContain('loaded 3 profile(s)');
    const transcript = await json('GET', `${origin2}/api/rentals/${rental.body.id}/messages`, undefined, alice.api_key);
    expect(transcript.body.messages.map((m: { content: string }) => m.content)).toEqual(['hi there', 'hello alice']);
    expect((await json('GET', `${origin2}/api/agents/me`, undefined, bot.api_key)).body.profile.username).toBe('helper');
    second.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });

  it('refuses a --state file that is not a saved state, and prints help', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'aa-sim-state-')), 'wrong.json');
    writeFileSync(file, JSON.stringify({ name: 'a scenario?' }));
    const wrong = runCli(['sim', '--state', file]);
    expect(await wrong.exited).toBe(2);
    expect(wrong.stderr()).toContain(`--state ${file}: not a saved emulator state:`);

    const help = runCli(['sim', '--help']);
    expect(await help.exited).toBe(0);
    expect(help.stdout()).toContain('aa-host sim run <scenario.yaml> [--host-url URL]');
  });
});
