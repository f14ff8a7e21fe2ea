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

  it('masks keys, webhook tokens and Bearer credentials inside text: messages, values, error texts', () => {
    const { lines, log } = capture();
    const url = `https://host.example/webhooks/${TOKEN}?x=1`;
    log.warn({ url, note: `sent with Bearer ${KEY}` }, `could not reach ${url}`);
    log.error({ err: new Error(`fetch failed for ${url} using ${KEY}`) }, 'failed');
    log.info('key %s in a format argument', KEY);
    const all = lines.join('\n');
    expect(all).not.toContain(KEY);
    expect(all).not.toContain(TOKEN);
    const first = JSON.parse(lines[0]!) as Record<string, any>;
    expect(first.url).toBe(`https://host.example/webhooks/${CENSOR}?x=1`);
    expect(first.msg).toBe(`could not reach https://host.example/webhooks/${CENSOR}?x=1`);
    expect(first.note).toBe(`sent with Bearer ${CENSOR}`);
    expect(JSON.parse(lines[1]!).err.message).toContain('/webhooks/[redacted]');
  });

  it('checks what toJSON writes, class instances, key spellings, and censors what is nested too deep', () => {
    const { lines, log } = capture();
    class Credentials {
      constructor(readonly user: string, readonly apiKey: string) {}
    }
    const hidden = { toJSON: () => ({ headers: { 'X-Api-Key': KEY } }) };
    let deep: Record<string, unknown> = { token: TOKEN };
    for (let i = 0; i < 12; i++) deep = { deeper: deep };
    log.info({ creds: new Credentials('ana', KEY), hidden, deep, 'set-cookie': 'sid=2', tokens: 123, when: new Date(0) }, 'objects');
    expect(lines[0]).not.toContain(KEY);
    expect(lines[0]).not.toContain(TOKEN);
    const line = JSON.parse(lines[0]!) as Record<string, any>;
    expect(line.creds).toEqual({ user: 'ana', apiKey: CENSOR });
    expect(line.hidden).toEqual({ headers: { 'X-Api-Key': CENSOR } });
    expect(line['set-cookie']).toBe(CENSOR);
    expect(line.tokens).toBe(123);
    expect(line.when).toBe('1970-01-01T00:00:00.000Z');
    expect(lines[0]).toContain('nested too deep');
  });

  it('scrubs what a child logger\'s own serializers write', () => {
    const { lines, log } = capture();
    const child = log.child({ reqId: 'r1' }, { serializers: { req: (req: { url: string }) => ({ url: req.url }) } });
    child.info({ req: { url: `/webhooks/${TOKEN}` } }, 'incoming');
    expect(lines[0]).not.toContain(TOKEN);
    expect(JSON.parse(lines[0]!).req.url).toBe(`/webhooks/${CENSOR}`);
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
