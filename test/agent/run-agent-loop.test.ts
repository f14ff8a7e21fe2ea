import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { MODEL_FAILED_MESSAGE, runAgentLoop, STEP_LIMIT_MESSAGE, type RunAgentLoopInput } from '../../src/agent/run-agent-loop.js';
import { ModelError } from '../../src/errors.js';
import type { ChatMessage } from '../../src/llm/chat-model.js';
import { createBuiltinTools } from '../../src/tools/builtin/index.js';
import type { ToolSet } from '../../src/tools/resolve-bot-tools.js';
import { defineTool, ToolError, type AnyTool } from '../../src/tools/tool.js';
import { NO_TOOLS } from '../../src/tools/tools-config.js';
import { fakeContext, RENTAL_ID } from '../tools/tool-test-kit.js';
import { call, scriptedChatModel, type ScriptedReply } from './scripted-chat-model.js';

const USER: ChatMessage[] = [
  { role: 'system', content: 'You are a helpful bot.' },
  { role: 'user', content: '[renter] Summarise the paper.' },
];

/** A tool that counts its runs and echoes its arguments. */
function echoTool(name = 'echo', extra: Partial<AnyTool> = {}) {
  const runs: unknown[] = [];
  const tool = defineTool({
    name,
    description: 'Echoes the text it is given.',
    parameters: z.object({ text: z.string().min(1), n: z.number().int().optional() }),
    execute: (args) => {
      runs.push(args);
      return { echoed: args.text };
    },
  });
  return { tool: { ...tool, ...extra } as AnyTool, runs };
}

const toolSet = (...tools: AnyTool[]): ToolSet => new Map(tools.map((tool) => [tool.name, tool]));

function loop(script: ScriptedReply[], tools: ToolSet, extra: Partial<RunAgentLoopInput> = {}) {
  const model = scriptedChatModel(script);
  const kit = fakeContext();
  const run = runAgentLoop({ model, modelName: 'gpt-test', maxTokens: 300, messages: USER, tools, context: kit.context, ...extra });
  return { model, kit, run };
}

describe('runAgentLoop: the happy paths', () => {
  it('returns a plain answer after one call, offering the tools as definitions', async () => {
    const { tool } = echoTool();
    const { model, run } = loop([{ text: 'Here is the summary.', usage: { promptTokens: 50, completionTokens: 10 } }], toolSet(tool));

    const result = await run;

    expect(result).toMatchObject({ text: 'Here is the summary.', stoppedBy: 'answer', steps: 1, modelCalls: 1, toolCalls: [], truncated: false });
    expect(result.usage).toEqual({ promptTokens: 50, completionTokens: 10 });
    expect(model.requests[0]).toMatchObject({ model: 'gpt-test', maxTokens: 300, toolChoice: 'auto', messages: USER });
    expect(model.requests[0]?.tools).toEqual([
      {
        name: 'echo',
        description: 'Echoes the text it is given.',
        parameters: expect.objectContaining({ type: 'object', required: ['text'] }),
      },
    ]);
  });

  it('sends no tools when the bot has none', async () => {
    const { model, run } = loop([{ text: 'ok' }], new Map());
    await run;
    expect(model.requests[0]).not.toHaveProperty('tools');
    expect(model.requests[0]).not.toHaveProperty('toolChoice');
  });

  it('runs the calls the model asks for and feeds each result back after its call', async () => {
    const { tool, runs } = echoTool();
    const first = call('echo', { text: 'a' });
    const second = call('echo', { text: 'b' });
    const { model, run } = loop(
      [
        { text: 'Let me check.', toolCalls: [first, second], usage: { promptTokens: 10, completionTokens: 5 } },
        { text: 'Done: a and b.', usage: { promptTokens: 30, completionTokens: 7 } },
      ],
      toolSet(tool),
    );

    const result = await run;

    expect(runs).toEqual([{ text: 'a' }, { text: 'b' }]);
    expect(result).toMatchObject({ text: 'Done: a and b.', stoppedBy: 'answer', steps: 2, modelCalls: 2 });
    expect(result.usage).toEqual({ promptTokens: 40, completionTokens: 12 });
    expect(model.requests[1]?.messages.slice(2)).toEqual([
      { role: 'assistant', content: 'Let me check.', tool_calls: [first, second] },
      { role: 'tool', tool_call_id: first.id, content: '{"echoed":"a"}' },
      { role: 'tool', tool_call_id: second.id, content: '{"echoed":"b"}' },
    ]);
    expect(result.toolCalls.map((r) => ({ name: r.name, ok: r.ok, source: r.source, repeated: r.repeated }))).toEqual([
      { name: 'echo', ok: true, source: 'native', repeated: false },
      { name: 'echo', ok: true, source: 'native', repeated: false },
    ]);
    expect(result.messages.at(-1)).toEqual({ role: 'assistant', content: 'Done: a and b.' });
  });

  it('reports every model call to onModelResult, in order', async () => {
    const { tool } = echoTool();
    const seen: number[] = [];
    const { run } = loop(
      [
        { toolCalls: [call('echo', { text: 'x' })], usage: { promptTokens: 1, completionTokens: 1 } },
        { text: 'ok', usage: { promptTokens: 2, completionTokens: 2 } },
      ],
      toolSet(tool),
      { onModelResult: (result) => void seen.push(result.usage?.promptTokens ?? -1) },
    );
    await run;
    expect(seen).toEqual([1, 2]);
  });

  it('fits the messages into the window before every call', async () => {
    const { tool } = echoTool();
    const fitMessages = vi.fn((messages: ChatMessage[]) => messages.filter((m) => m.role !== 'system'));
    const { model, run } = loop([{ toolCalls: [call('echo', { text: 'x' })] }, { text: 'ok' }], toolSet(tool), { fitMessages });

    await run;

    expect(fitMessages).toHaveBeenCalledTimes(2);
    expect(model.requests.every((r) => r.messages.every((m) => m.role !== 'system'))).toBe(true);
  });
});

describe('runAgentLoop: the step limit', () => {
  it('ends a looping model with one last call without tools, and returns its answer', async () => {
    const { tool } = echoTool();
    const looping = (i: number): ScriptedReply => ({ text: i === 0 ? 'Working on it.' : '', toolCalls: [call('echo', { text: `step ${i}` })] });
    const { model, run } = loop([looping(0), looping(1), looping(2), { text: 'Best I have: a partial summary.' }], toolSet(tool), { maxSteps: 3 });

    const result = await run;

    expect(result).toMatchObject({ stoppedBy: 'step_limit', steps: 3, modelCalls: 4, text: 'Best I have: a partial summary.' });
    expect(model.requests).toHaveLength(4);
    expect(model.requests[3]?.toolChoice).toBe('none');
    expect(model.requests[3]?.messages.at(-1)).toMatchObject({ role: 'system', content: expect.stringContaining('Do not call any tool') });
  });

  it('falls back to the best text so far when the last call gives none, and to a clear message when there is no text at all', async () => {
    const { tool } = echoTool();
    const withText = loop(
      [{ text: 'Partial: section 1 is about X.', toolCalls: [call('echo', { text: '1' })] }, { toolCalls: [call('echo', { text: '2' })] }, { text: '' }],
      toolSet(tool),
      { maxSteps: 2 },
    );
    expect(await withText.run).toMatchObject({ stoppedBy: 'step_limit', text: 'Partial: section 1 is about X.' });

    const silent = loop([{ toolCalls: [call('echo', { text: '1' })] }, { toolCalls: [call('echo', { text: '2' })] }], toolSet(tool), {
      maxSteps: 2,
      finalAnswerOnLimit: false,
    });
    const result = await silent.run;
    expect(result).toMatchObject({ stoppedBy: 'step_limit', text: STEP_LIMIT_MESSAGE, modelCalls: 2 });
    expect(silent.model.requests).toHaveLength(2);
  });

  it('uses only the text of a last call that still asks for tools', async () => {
    const { tool, runs } = echoTool();
    const { run } = loop(
      [{ toolCalls: [call('echo', { text: '1' })] }, { text: 'Summary so far.', toolCalls: [call('echo', { text: '2' })] }],
      toolSet(tool),
      { maxSteps: 1 },
    );
    expect(await run).toMatchObject({ stoppedBy: 'step_limit', text: 'Summary so far.' });
    expect(runs).toHaveLength(1);
  });
});

describe('runAgentLoop: models that break tool calling', () => {
  it.each([
    ['invalid JSON', '{"text": "a"', 'not valid JSON'],
    ['empty arguments for a tool that needs them', '', 'the arguments are empty; invalid arguments for echo: text'],
    ['a schema failure', '{"text": 42}', 'invalid arguments for echo: text'],
    ['an array', '["a"]', 'must be one JSON object'],
    ['a bare string', '"hello"', 'must be one JSON object'],
  ])('sends %s back to the model as a tool error and runs nothing', async (_label, args, message) => {
    const { tool, runs } = echoTool();
    const bad = { id: 'call_bad', name: 'echo', arguments: args };
    const { model, run } = loop([{ toolCalls: [bad] }, { text: 'Sorry, fixed.' }], toolSet(tool));

    const result = await run;

    expect(runs).toEqual([]);
    expect(result.toolCalls[0]).toMatchObject({ ok: false });
    const fed = model.requests[1]?.messages.at(-1);
    expect(fed).toMatchObject({ role: 'tool', tool_call_id: 'call_bad' });
    expect(JSON.parse((fed as { content: string }).content).error).toContain(message);
    expect(result.text).toBe('Sorry, fixed.');
  });

  it('accepts empty arguments for a tool without parameters, and arguments encoded twice', async () => {
    const { tool, runs } = echoTool();
    const timeLeft = createBuiltinTools(NO_TOOLS).time_left;
    const { run } = loop(
      [
        { toolCalls: [{ id: 'c1', name: 'time_left', arguments: '' }, { id: 'c2', name: 'echo', arguments: JSON.stringify('{"text":"twice"}') }] },
        { text: 'ok' },
      ],
      toolSet(tool, timeLeft),
    );
    const result = await run;
    expect(result.toolCalls.map((r) => r.ok)).toEqual([true, true]);
    expect(runs).toEqual([{ text: 'twice' }]);
  });

  it('refuses an unknown tool, and a built-in the bot does not allow, as tool errors', async () => {
    const { tool } = echoTool();
    const { kit, model, run } = loop(
      [{ toolCalls: [call('delete_bot'), call('send_dm', { to: 'owner', content: 'hi' })] }, { text: 'I cannot do that.' }],
      toolSet(tool),
    );

    const result = await run;

    expect(result.toolCalls.map((r) => r.ok)).toEqual([false, false]);
    expect(result.toolCalls[0]?.result).toContain('the tool \\"delete_bot\\" is not available to you; the tools you have are: echo');
    expect(result.toolCalls[1]?.result).toContain('the tool \\"send_dm\\" is not available');
    expect(kit.platform.calls).toEqual([]);
    expect(model.requests[1]?.messages.filter((m) => m.role === 'tool')).toHaveLength(2);
  });

  it('answers a repeated identical call from the first result and counts it toward the step limit', async () => {
    const { tool, runs } = echoTool();
    const { model, run } = loop(
      [
        { toolCalls: [{ id: 'a', name: 'echo', arguments: '{"text":"x","n":1}' }] },
        { toolCalls: [{ id: 'b', name: 'echo', arguments: '{ "n": 1, "text": "x" }' }] },
        { toolCalls: [{ id: 'c', name: 'echo', arguments: '{"n":1,"text":"x"}' }] },
        { text: 'Stopping.' },
      ],
      toolSet(tool),
      { maxSteps: 4, finalAnswerOnLimit: false },
    );

    const result = await run;

    expect(runs).toHaveLength(1);
    expect(result.toolCalls.map((r) => r.repeated)).toEqual([false, true, true]);
    expect(result.toolCalls[1]?.result).toContain('already made this exact call');
    expect(result.toolCalls[1]?.result).toContain('echoed');
    // Each model call is a step and so is each repeat: 1, 2+1, 4+1 = 5 >= 4, so the limit ends it after 3 calls.
    expect(result).toMatchObject({ stoppedBy: 'step_limit', modelCalls: 3, steps: 5 });
    expect(model.requests).toHaveLength(3);
  });

  it("refuses calls beyond a tool's per-turn cap", async () => {
    const { tool, runs } = echoTool('echo', { maxCallsPerTurn: 2 });
    const { run } = loop(
      [{ toolCalls: [call('echo', { text: '1' }), call('echo', { text: '2' }), call('echo', { text: '3' })] }, { text: 'ok' }],
      toolSet(tool),
    );
    const result = await run;
    expect(runs).toHaveLength(2);
    expect(result.toolCalls[2]?.result).toContain('at most 2 time(s) per turn');
  });

  it('handles tool calls written as text in the answer', async () => {
    const { tool, runs } = echoTool();
    const { model, run } = loop(
      [
        { text: 'Let me check.\n<tool_call>\n{"name": "echo", "arguments": {"text": "tagged"}}\n</tool_call>' },
        { text: '```json\n{"name": "echo", "parameters": {"text": "fenced"}}\n```' },
        { text: 'All done.' },
      ],
      toolSet(tool),
    );

    const result = await run;

    expect(runs).toEqual([{ text: 'tagged' }, { text: 'fenced' }]);
    expect(result.toolCalls.map((r) => r.source)).toEqual(['text', 'text']);
    expect(result.text).toBe('All done.');
    const replayed = model.requests[1]?.messages.slice(2);
    expect(replayed?.[0]).toEqual({
      role: 'assistant',
      content: 'Let me check.',
      tool_calls: [{ id: 'text_call_1_0', name: 'echo', arguments: '{"text":"tagged"}' }],
    });
    expect(replayed?.[1]).toMatchObject({ role: 'tool', tool_call_id: 'text_call_1_0' });
  });

  it('never posts a text tool call as the answer, even for a tool the bot does not have', async () => {
    const { run } = loop([{ text: '{"name": "transfer_credits", "arguments": {"amount": 100}}' }, { text: 'I cannot transfer credits.' }], new Map());
    const result = await run;
    expect(result.toolCalls[0]).toMatchObject({ name: 'transfer_credits', ok: false, source: 'text' });
    expect(result.toolCalls[0]?.result).toContain('you have no tools in this conversation');
    expect(result.text).toBe('I cannot transfer credits.');
  });
});

describe('runAgentLoop: tool failures', () => {
  it('turns ToolError, platform failures and unexpected throws into tool errors', async () => {
    const failing = (name: string, error: Error) =>
      defineTool({ name, description: 'Fails on purpose.', parameters: z.object({}), execute: () => Promise.reject(error) });
    const { run } = loop(
      [{ toolCalls: [call('expected'), call('unexpected')] }, { text: 'ok' }],
      toolSet(failing('expected', new ToolError('quota reached')), failing('unexpected', new TypeError('x is undefined'))),
    );
    const result = await run;
    expect(result.toolCalls.map((r) => JSON.parse(r.result))).toEqual([{ error: 'quota reached' }, { error: 'unexpected failed: x is undefined' }]);
    expect(result.stoppedBy).toBe('answer');
  });

  it('cuts a long tool result before the model sees it', async () => {
    const big = defineTool({ name: 'big', description: 'Returns a lot.', parameters: z.object({}), execute: () => 'y'.repeat(5000) });
    const { model, run } = loop([{ toolCalls: [call('big')] }, { text: 'ok' }], toolSet(big), { maxToolResultChars: 1000 });
    await run;
    const fed = model.requests[1]?.messages.at(-1) as { content: string };
    expect(fed.content.length).toBeLessThanOrEqual(1000);
    expect(fed.content.endsWith('[…]')).toBe(true);
  });
});

describe('runAgentLoop: output, budget, failures, cancellation', () => {
  it('caps the answer', async () => {
    const { run } = loop([{ text: 'word '.repeat(1000) }], new Map(), { maxOutputChars: 300 });
    const result = await run;
    expect(result.text.length).toBeLessThanOrEqual(300);
    expect(result.truncated).toBe(true);
    expect(result.text.endsWith('[…]')).toBe(true);
  });

  it('stops before a model call when the budget says so', async () => {
    const { tool } = echoTool();
    let checks = 0;
    const { model, run } = loop([{ text: 'First look: X.', toolCalls: [call('echo', { text: '1' })] }, { text: 'never' }], toolSet(tool), {
      beforeModelCall: () => (++checks >= 2 ? { stop: true, message: 'The budget for this rental is used up.' } : { stop: false }),
    });

    const result = await run;

    expect(model.requests).toHaveLength(1);
    expect(result).toMatchObject({ stoppedBy: 'budget', text: 'First look: X.' });

    const empty = loop([{ text: 'never' }], new Map(), { beforeModelCall: () => ({ stop: true, message: 'Budget reached.' }) });
    expect(await empty.run).toMatchObject({ stoppedBy: 'budget', text: 'Budget reached.', modelCalls: 0 });
  });

  it('rethrows a failure of the first call, and answers with what it has after a later failure', async () => {
    const { tool } = echoTool();
    await expect(loop([new ModelError('overloaded')], toolSet(tool)).run).rejects.toBeInstanceOf(ModelError);

    const later = await loop([{ text: 'Half done.', toolCalls: [call('echo', { text: '1' })] }, new ModelError('overloaded')], toolSet(tool)).run;
    expect(later).toMatchObject({ stoppedBy: 'model_error', text: 'Half done.' });
    expect(later.error).toBeInstanceOf(ModelError);

    const nothing = await loop([{ toolCalls: [call('echo', { text: '1' })] }, new ModelError('overloaded')], toolSet(tool)).run;
    expect(nothing).toMatchObject({ stoppedBy: 'model_error', text: MODEL_FAILED_MESSAGE });
  });

  it('stops when the turn is cancelled', async () => {
    const controller = new AbortController();
    const stopper = defineTool({
      name: 'stopper',
      description: 'Cancels the turn.',
      parameters: z.object({}),
      execute: () => {
        controller.abort(new Error('rental ended'));
        return 'ok';
      },
    });
    const { model, run } = loop([{ toolCalls: [call('stopper')] }, { text: 'never' }], toolSet(stopper), { signal: controller.signal });
    await expect(run).rejects.toThrow('rental ended');
    expect(model.requests).toHaveLength(1);
  });

  it('passes the turn signal to tools that have none', async () => {
    const controller = new AbortController();
    let seen: AbortSignal | undefined;
    const probe = defineTool({ name: 'probe', description: 'Reads the signal.', parameters: z.object({}), execute: (_a, ctx) => void (seen = ctx.signal) });
    await loop([{ toolCalls: [call('probe')] }, { text: 'ok' }], toolSet(probe), { signal: controller.signal }).run;
    expect(seen).toBe(controller.signal);
  });
});

describe('runAgentLoop with the built-in tools', () => {
  it('posts progress to the chat and reads the time left', async () => {
    const tools = createBuiltinTools({ ...NO_TOOLS });
    const kit = fakeContext({ routes: { [`GET /rentals/${RENTAL_ID}`]: { status: 500, body: null } } });
    const model = scriptedChatModel([
      { toolCalls: [call('post_progress', { text: 'Plan: read, then summarise.' }), call('time_left')] },
      { text: 'Summary: …' },
    ]);

    const result = await runAgentLoop({
      model,
      modelName: 'm',
      messages: USER,
      tools: toolSet(tools.post_progress, tools.time_left),
      context: kit.context,
    });

    expect(kit.posted).toEqual(['Plan: read, then summarise.']);
    expect(JSON.parse(result.toolCalls[1]?.result ?? '{}')).toMatchObject({ minutes_left: 10, seconds_left: 600 });
    expect(result.text).toBe('Summary: …');
  });
});
