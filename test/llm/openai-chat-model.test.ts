import { APIUserAbortError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ModelError, ModelTimeoutError } from '../../src/errors.js';
import type { ChatModel } from '../../src/llm/chat-model.js';
import { createFallbackChatModel } from '../../src/llm/fallback-chat-model.js';
import { createOpenAiChatModel } from '../../src/llm/openai-chat-model.js';
import { startFakeOpenAiServer, type FakeModelScript, type FakeOpenAiServer } from '../fakes/fake-openai-server.js';

// Not a real key: a recognisable value to look for in headers and error messages.
const API_KEY = 'sk-test-0123456789abcdef';

let server: FakeOpenAiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function modelWith(
  script?: FakeModelScript,
  options: { apiKey?: string; timeoutMs?: number; maxRetries?: number } = {},
): Promise<ChatModel> {
  server = await startFakeOpenAiServer(script ? { script } : {});
  return createOpenAiChatModel({
    apiKey: 'apiKey' in options ? options.apiKey : API_KEY,
    baseURL: server.baseURL,
    timeoutMs: options.timeoutMs ?? 2000,
    maxRetries: options.maxRetries ?? 0,
  });
}

/** The rejection of `promise`, for assertions on several fields. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('createOpenAiChatModel', () => {
  it('returns the answer, the model and the usage', async () => {
    const model = await modelWith(() => ({ content: 'Hello!', usage: { prompt_tokens: 12, completion_tokens: 3 } }));

    const result = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

    expect(model.kind).toBe('openai');
    expect(result).toEqual({
      text: 'Hello!',
      model: 'gpt-test',
      usage: { promptTokens: 12, completionTokens: 3 },
      toolCalls: [],
      finishReason: 'stop',
    });
  });

  it('sends the model, messages and max_tokens as given', async () => {
    const model = await modelWith();
    const messages = [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: 'first' },
      { role: 'assistant' as const, content: 'ok' },
      { role: 'user' as const, content: 'second' },
    ];

    const result = await model.complete({ model: 'gpt-test', messages, maxTokens: 50 });

    expect(result.text).toBe('echo: second');
    expect(server?.requests).toHaveLength(1);
    const request = server?.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.body).toMatchObject({ model: 'gpt-test', messages, max_tokens: 50 });
    expect(request?.body.stream).toBeFalsy();
  });

  it('leaves max_tokens out when no limit is asked for', async () => {
    const model = await modelWith();

    await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

    expect(server?.requests[0]?.body).not.toHaveProperty('max_tokens');
  });

  it('gives an empty text when the answer has no content', async () => {
    const model = await modelWith(() => ({ content: '' }));

    const result = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

    expect(result.text).toBe('');
  });

  it('surfaces ModelTimeoutError when the model does not answer in time', async () => {
    const model = await modelWith(() => ({ hang: true }), { timeoutMs: 100 });

    const error = await rejectionOf(model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }));

    expect(error).toBeInstanceOf(ModelTimeoutError);
    expect((error as ModelTimeoutError).timeoutMs).toBe(100);
  });

  it('surfaces ModelError with the status when the provider answers 500', async () => {
    const model = await modelWith(() => ({ status: 500, error: 'the model is overloaded' }));

    const error = await rejectionOf(model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }));

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).status).toBe(500);
    expect((error as ModelError).message).toContain('the model is overloaded');
    expect(server?.requests).toHaveLength(1); // maxRetries 0
  });

  it('retries a 500 when asked to, and then returns the answer', async () => {
    const model = await modelWith((_, index) => (index === 0 ? { status: 500, retryAfterMs: 0 } : { content: 'second try' }), {
      maxRetries: 1,
    });

    const result = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

    expect(result.text).toBe('second try');
    expect(server?.requests).toHaveLength(2);
  });

  it('surfaces ModelError without a status when the server cannot be reached', async () => {
    const unreachable = await startFakeOpenAiServer();
    const baseURL = unreachable.baseURL;
    await unreachable.close();
    const model = createOpenAiChatModel({ apiKey: API_KEY, baseURL, timeoutMs: 1000, maxRetries: 0 });

    const error = await rejectionOf(model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }));

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).status).toBeUndefined();
  });

  it("rethrows the caller's abort instead of wrapping it", async () => {
    const model = await modelWith(() => ({ hang: true }), { timeoutMs: 5000 });
    const controller = new AbortController();

    const pending = rejectionOf(
      model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], signal: controller.signal }),
    );
    await server?.waitForRequests(1);
    controller.abort();
    const error = await pending;

    expect(error).not.toBeInstanceOf(ModelError);
    expect(error).not.toBeInstanceOf(ModelTimeoutError);
    expect(error).toBeInstanceOf(APIUserAbortError);
  });

  it('does not send a request when the signal is already aborted', async () => {
    const model = await modelWith();

    const error = await rejectionOf(
      model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], signal: AbortSignal.abort() }),
    );

    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(server?.requests).toHaveLength(0);
  });

  it('sends the API key only in the Authorization header', async () => {
    const model = await modelWith();

    await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] });

    const request = server?.requests[0];
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const elsewhere = { ...request?.headers, authorization: undefined, body: request?.body };
    expect(JSON.stringify(elsewhere)).not.toContain(API_KEY);
  });

  it('keeps the API key out of error messages, even when the provider echoes it', async () => {
    const model = await modelWith(() => ({ status: 401, error: `Incorrect API key provided: ${API_KEY}.` }));

    const error = await rejectionOf(model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }] }));

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).status).toBe(401);
    expect((error as ModelError).message).toContain('Incorrect API key provided');
    expect((error as ModelError).message).not.toContain(API_KEY);
    const cause = (error as ModelError).cause as Error;
    expect(`${cause.message}\n${cause.stack ?? ''}`).not.toContain(API_KEY);
  });

  it('works with only a base URL, for local servers that need no key', async () => {
    const model = await modelWith(undefined, { apiKey: undefined });

    const result = await model.complete({ model: 'llama3', messages: [{ role: 'user', content: 'hi' }] });

    expect(result).toMatchObject({ text: 'echo: hi', model: 'llama3' });
    expect(server?.requests).toHaveLength(1);
  });

  it('sends tools as function definitions and returns the calls the model made', async () => {
    const model = await modelWith(() => ({
      content: null,
      tool_calls: [
        { id: 'call_a', name: 'time_left', arguments: '{}' },
        { id: 'call_b', name: 'post_progress', arguments: '{"text":"Step 1 done"}' },
      ],
    }));
    const parameters = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

    const result = await model.complete({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'go' }],
      tools: [{ name: 'post_progress', description: 'Post progress.', parameters }],
      toolChoice: 'auto',
    });

    expect(result.text).toBe('');
    expect(result.finishReason).toBe('tool_calls');
    expect(result.toolCalls).toEqual([
      { id: 'call_a', name: 'time_left', arguments: '{}' },
      { id: 'call_b', name: 'post_progress', arguments: '{"text":"Step 1 done"}' },
    ]);
    expect(server?.requests[0]?.body.tools).toEqual([
      { type: 'function', function: { name: 'post_progress', description: 'Post progress.', parameters } },
    ]);
    expect(server?.requests[0]?.body.tool_choice).toBe('auto');
  });

  it('leaves tools and tool_choice out when no tools are offered', async () => {
    const model = await modelWith();

    await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'hi' }], tools: [], toolChoice: 'none' });

    expect(server?.requests[0]?.body).not.toHaveProperty('tools');
    expect(server?.requests[0]?.body).not.toHaveProperty('tool_choice');
  });

  it('sends earlier tool calls and their results in the OpenAI wire shape', async () => {
    const model = await modelWith();

    await model.complete({
      model: 'gpt-test',
      messages: [
        { role: 'user', content: 'how long?' },
        { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'time_left', arguments: '{}' }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"minutes_left":12}' },
        { role: 'assistant', content: 'Checking again.', tool_calls: [{ id: 'call_2', name: 'time_left', arguments: '{}' }] },
        { role: 'tool', tool_call_id: 'call_2', content: '{"minutes_left":11}' },
      ],
    });

    expect(server?.requests[0]?.body.messages).toEqual([
      { role: 'user', content: 'how long?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'time_left', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"minutes_left":12}' },
      {
        role: 'assistant',
        content: 'Checking again.',
        tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'time_left', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_2', content: '{"minutes_left":11}' },
    ]);
  });

  it('repairs tool calls from servers that omit ids or send arguments as an object', async () => {
    const model = await modelWith(() => ({
      content: 'Let me look.',
      tool_calls: [
        { id: null, name: 'read_transcript', arguments: { last: 5 } },
        { id: '', name: 'time_left', arguments: null },
      ],
    }));

    const result = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'go' }] });

    expect(result.text).toBe('Let me look.');
    expect(result.toolCalls).toEqual([
      { id: 'call_0', name: 'read_transcript', arguments: '{"last":5}' },
      { id: 'call_1', name: 'time_left', arguments: '' },
    ]);
  });

  it('reports a cut answer as finishReason length, and an unknown reason as unknown', async () => {
    const model = await modelWith((_, index) =>
      index === 0 ? { content: 'A long answ', finish_reason: 'length' } : { content: 'ok', finish_reason: 'eos_token' },
    );

    const cut = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'go' }] });
    const odd = await model.complete({ model: 'gpt-test', messages: [{ role: 'user', content: 'go' }] });

    expect(cut.finishReason).toBe('length');
    expect(odd.finishReason).toBe('unknown');
  });

  it('refuses to build without an API key or a base URL', () => {
    expect(() => createOpenAiChatModel({ timeoutMs: 1000, maxRetries: 0 })).toThrow(ConfigError);
  });
});

describe('createFallbackChatModel', () => {
  it('never answers, so the caller posts its fallback replies', async () => {
    const model = createFallbackChatModel();

    expect(model.kind).toBe('fallback');
    await expect(model.complete({ model: 'any', messages: [] })).rejects.toThrow(ModelError);
    await expect(model.complete({ model: 'any', messages: [] })).rejects.toThrow('no LLM configured');
  });
});
