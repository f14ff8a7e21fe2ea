import { describe, expect, it } from 'vitest';
import { checkPlatformCall, ForbiddenPlatformCallError, guardPlatformRequest } from '../../src/tools/guard-platform-request.js';
import { BOT_ID, fakePlatform } from './tool-test-kit.js';

const policy = { botId: BOT_ID };
const OTHER = 'ac5cbbee-13d7-453e-bb6f-fc27e85120d9';

describe('checkPlatformCall', () => {
  it.each([
    ['PUT', `/bots/${BOT_ID}/settings`, 'bot settings'],
    ['PATCH', `/bots/${BOT_ID}/settings`, 'bot settings'],
    ['POST', `/bots/${BOT_ID}/settings`, 'bot settings'],
    ['DELETE', `/bots/${BOT_ID}`, 'deleting a bot'],
    ['POST', `/bots/${BOT_ID}/regenerate-key`, 'key rotation'],
    ['GET', `/bots/${BOT_ID}/api-keys`, 'API keys'],
    ['POST', '/bots', 'creating bots'],
    ['POST', '/credits/transfer', 'credit transfers'],
    ['PATCH', '/agents/me', 'profile and webhook'],
    ['PATCH', `/agents/${BOT_ID}`, 'profile and webhook'],
    ['POST', `/agents/${BOT_ID}/webhook-test`, 'profile and webhook'],
    ['POST', '/agents/register', 'profile and webhook'],
    ['GET', '/agents/me', 'webhook URL'],
    ['GET', `/agents/${BOT_ID}`, 'webhook URL'],
    ['PUT', `/rentals/listings/${BOT_ID}`, 'listing'],
    ['DELETE', `/rentals/listings/${BOT_ID}`, 'listing'],
    ['POST', '/rentals', 'renting'],
    ['POST', `/products/${OTHER}/buy`, 'buying'],
    ['POST', `/sponsorships/${OTHER}/renegotiate`, 'sponsorship'],
    ['PATCH', '/notifications', 'notifications'],
  ])('refuses %s %s (%s)', (method, path, reason) => {
    const verdict = checkPlatformCall({ method, path }, policy);
    expect(verdict.allowed).toBe(false);
    expect(verdict.allowed ? '' : verdict.reason).toContain(reason);
  });

  it.each([
    ['PUT', `/Bots/${BOT_ID.toUpperCase()}/Settings`],
    ['put', `/bots/${BOT_ID}/settings`],
    ['PUT', `//bots/${BOT_ID}/settings`],
    ['PUT', `/bots//${BOT_ID}///settings/`],
    ['PUT', `/api/bots/${BOT_ID}/settings`],
    ['PUT', `/bots/${BOT_ID}/settings?x=1`],
    ['PUT', `/bots/${BOT_ID}%2Fsettings`],
    ['PUT', `/bots/${BOT_ID}%252Fsettings`],
    ['PUT', `/bots/${BOT_ID}/%73ettings`],
    ['PUT', `/feed/../bots/${BOT_ID}/settings`],
    ['PUT', `/bots/${BOT_ID}/./settings`],
    ['PUT', `/bots/${BOT_ID}/settings;jsessionid=1`],
    ['PUT', `https://agentsaccess.ai/api/bots/${BOT_ID}/settings`],
    ['PUT', `bots/${BOT_ID}/settings`],
    ['PUT', `/bots/${BOT_ID}\\settings`],
    ['PUT', `/bots/${BOT_ID}/settings%00`],
    ['POST', '/credits%2Ftransfer'],
    ['PATCH', '/agents/ME'],
    ['DELETE', `/bots/${BOT_ID}#`],
    ['TRACE', '/feed'],
  ])('sees through disguises: refuses %s %s', (method, path) => {
    expect(checkPlatformCall({ method, path }, policy).allowed).toBe(false);
  });

  it('allows the routes tools need, and sends the normalised path', () => {
    const allowed: [string, string][] = [
      ['GET', '/rentals/r1/messages'],
      ['POST', '/rentals/r1/messages'],
      ['GET', '/rentals/r1'],
      ['POST', '/messages'],
      ['GET', '/feed/quota'],
      ['POST', '/feed'],
      ['PATCH', '/services/orders/o1'],
      ['GET', `/bots/${BOT_ID}/settings`],
      ['GET', `/agents/${OTHER}`],
      ['GET', '/agents/me/pending'],
      ['POST', `/sponsorships/${OTHER}/messages`],
    ];
    for (const [method, path] of allowed) {
      expect(checkPlatformCall({ method, path }, policy), `${method} ${path}`).toEqual({ allowed: true, path });
    }
    expect(checkPlatformCall({ method: 'GET', path: '/api//feed/?limit=5' }, policy)).toEqual({ allowed: true, path: '/feed?limit=5' });
  });

  it('refuses paying for a feed post unless the bot allows it', () => {
    const paid = { method: 'POST', path: '/feed', body: { content: 'hi', pay_for_post: true } };
    expect(checkPlatformCall(paid, policy).allowed).toBe(false);
    expect(checkPlatformCall({ ...paid, body: JSON.stringify(paid.body) }, policy).allowed).toBe(false);
    expect(checkPlatformCall({ ...paid, body: { content: 'hi', pay_for_post: 'yes' } }, policy).allowed).toBe(false);
    expect(checkPlatformCall(paid, { ...policy, allowPaidPosts: true }).allowed).toBe(true);
    expect(checkPlatformCall({ ...paid, body: { content: 'hi' } }, policy).allowed).toBe(true);
  });
});

describe('guardPlatformRequest', () => {
  it('throws ForbiddenPlatformCallError and never calls the platform for a forbidden route', async () => {
    const platform = fakePlatform({ [`PUT /bots/${BOT_ID}/settings`]: { status: 200, body: {} } });
    const guarded = guardPlatformRequest((c) => platform.send(c), policy);

    await expect(guarded({ method: 'PUT', path: `/bots/${BOT_ID}/settings`, body: { is_paused: false } })).rejects.toBeInstanceOf(
      ForbiddenPlatformCallError,
    );
    await expect(guarded({ method: 'DELETE', path: `/bots/${BOT_ID}` })).rejects.toThrow(/refused DELETE/);
    expect(platform.calls).toHaveLength(0);
  });

  it('passes allowed calls through with the normalised path and method', async () => {
    const platform = fakePlatform({ 'GET /rentals/r1/messages': { status: 200, body: { messages: [] } } });
    const guarded = guardPlatformRequest((c) => platform.send(c), policy);

    const reply = await guarded({ method: 'get' as 'GET', path: '/api/rentals//r1/messages/' });

    expect(reply).toEqual({ status: 200, body: { messages: [] } });
    expect(platform.calls).toEqual([{ method: 'GET', path: '/rentals/r1/messages' }]);
  });
});
