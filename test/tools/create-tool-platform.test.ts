import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PlatformError } from '../../src/errors.js';
import { createToolPlatform, describePlatformFailure } from '../../src/tools/create-tool-platform.js';
import { ForbiddenPlatformCallError } from '../../src/tools/guard-platform-request.js';
import { BOT_ID } from './tool-test-kit.js';

const API_KEY = `aa_${'0123456789abcdef'.repeat(4)}`;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A stand-in API on 127.0.0.1 that answers every request with `reply` and records it. */
async function startApi(reply: { status: number; body: string }): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, seen };
}

describe('createToolPlatform', () => {
  it("sends the bot's key and the normalised path, and returns a 402 body instead of throwing", async () => {
    const api = await startApi({ status: 402, body: JSON.stringify({ requires_payment: true, cost_aa: 1 }) });
    const platform = createToolPlatform({ baseUrl: api.baseUrl, apiKey: API_KEY, botId: BOT_ID });

    const reply = await platform({ method: 'POST', path: '/api//feed/', body: { content: 'hi' } });

    expect(reply).toEqual({ status: 402, body: { requires_payment: true, cost_aa: 1 } });
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]).toMatchObject({ method: 'POST', url: '/api/feed', body: '{"content":"hi"}' });
    expect(api.seen[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
  });

  it('refuses a forbidden route before any request leaves the host', async () => {
    const api = await startApi({ status: 200, body: '{}' });
    const platform = createToolPlatform({ baseUrl: api.baseUrl, apiKey: API_KEY, botId: BOT_ID });

    await expect(platform({ method: 'DELETE', path: `/bots/${BOT_ID}` })).rejects.toBeInstanceOf(ForbiddenPlatformCallError);
    await expect(platform({ method: 'POST', path: '/feed', body: { content: 'x', pay_for_post: true } })).rejects.toThrow('pay_for_posts');
    expect(api.seen).toHaveLength(0);
  });

  it('runs each request through the schedule it is given (the bot platform queue)', async () => {
    const api = await startApi({ status: 200, body: 'plain text' });
    let scheduled = 0;
    const platform = createToolPlatform({
      baseUrl: api.baseUrl,
      apiKey: API_KEY,
      botId: BOT_ID,
      schedule: (run) => {
        scheduled++;
        return run();
      },
    });

    expect(await platform({ method: 'GET', path: '/feed/quota' })).toEqual({ status: 200, body: 'plain text' });
    expect(scheduled).toBe(1);
  });

  it('throws PlatformError without a status when nothing answers, and never shows the key', async () => {
    const platform = createToolPlatform({ baseUrl: 'http://127.0.0.1:9/api', apiKey: API_KEY, botId: BOT_ID, timeoutMs: 2000 });

    const error = await platform({ method: 'GET', path: '/feed/quota' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).status).toBeUndefined();
    expect(String((error as Error).message)).not.toContain(API_KEY);
  });
});

describe('describePlatformFailure', () => {
  it("quotes the platform's error message, or the raw text", () => {
    expect(describePlatformFailure({ status: 409, body: { error: 'Cannot move order' } })).toBe('the platform answered 409: Cannot move order');
    expect(describePlatformFailure({ status: 502, body: 'Bad gateway' })).toBe('the platform answered 502: Bad gateway');
    expect(describePlatformFailure({ status: 500, body: null })).toBe('the platform answered 500');
  });
});
