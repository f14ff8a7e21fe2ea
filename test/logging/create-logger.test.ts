import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/create-logger.js';
import { CENSOR, scrubSecrets } from '../../src/logging/scrub-secrets.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'debug', destination }) };
}

const KEY = 'aa_' + 'f'.repeat(64);
const TOKEN = 'tok_' + 'a'.repeat(40);

describe('the logger keeps secrets out', () => {
  it('censors secret-named keys at any depth, in any case, and leaves the rest', () => {
    const { lines, log } = capture();
    log.info(
      {
        bot: 'research-helper',
        Authorization: `Bearer ${KEY}`,
        request: { headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, cookie: 'sid=1' },
        list: [{ apiKey: KEY }, { webhookToken: TOKEN }, 'plain'],
        bots: { one: { secrets: { api: KEY } } },
        token: TOKEN,
      },
      'hello',
    );
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(lines[0]).not.toContain(KEY);
    expect(lines[0]).not.toContain(TOKEN);
    expect(line.bot).toBe('research-helper');
    expect(line.Authorization).toBe(CENSOR);
    expect(line.request.headers).toEqual({ authorization: CENSOR, 'content-type': 'application/json' });
    expect(line.request.cookie).toBe(CENSOR);
    expect(line.list).toEqual([{ apiKey: CENSOR }, { webhookToken: CENSOR }, 'plain']);
    expect(line.bots.one.secrets).toBe(CENSOR);
    expect(line.msg).toBe('hello');
  });

  it('censors child bindings and the enumerable properties of logged errors, keeping the message and stack', () => {
    const { lines, log } = capture();
    const error = Object.assign(new Error('the platform said 401'), { headers: { Authorization: `Bearer ${KEY}` }, status: 401 });
    log.child({ bot: 'b', api_key: KEY }).error({ err: error }, 'platform call failed');
    log.warn({ cause: error }, 'nested error');
    expect(lines.join('\n')).not.toContain(KEY);
    const first = JSON.parse(lines[0]!) as Record<string, any>;
    expect(first.api_key).toBe(CENSOR);
    expect(first.err.message).toBe('the platform said 401');
    expect(first.err.stack).toContain('Error: the platform said 401');
    expect(first.err.status).toBe(401);
    expect(first.err.headers.Authorization).toBe(CENSOR);
    const second = JSON.parse(lines[1]!) as Record<string, any>;
    expect(second.cause.message).toBe('the platform said 401');
    expect(second.cause.headers.Authorization).toBe(CENSOR);
  });

  it('never changes the caller\'s object, and returns it as is when nothing needs censoring', () => {
    const clean = { a: 1, nested: { b: [1, 2, { c: 'x' }] } };
    expect(scrubSecrets(clean)).toBe(clean);
    const dirty = { nested: { token: TOKEN }, keep: { d: 1 } };
    const scrubbed = scrubSecrets(dirty);
    expect(scrubbed).toEqual({ nested: { token: CENSOR }, keep: { d: 1 } });
    expect(dirty.nested.token).toBe(TOKEN);
    expect(scrubbed.keep).toBe(dirty.keep);
  });
});
