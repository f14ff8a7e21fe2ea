import { describe, expect, it } from 'vitest';
import { canonicalArguments } from '../../src/agent/canonical-json.js';
import { capText } from '../../src/agent/cap-text.js';
import { parseTextToolCalls } from '../../src/agent/parse-text-tool-calls.js';

describe('parseTextToolCalls', () => {
  it.each([
    ['a Hermes/Qwen <tool_call> block', 'Checking.\n<tool_call>{"name": "time_left", "arguments": {}}</tool_call>', [{ name: 'time_left', arguments: '{}' }], 'Checking.'],
    [
      'several blocks',
      '<tool_call>{"name":"a","arguments":{"x":1}}</tool_call>\n<tool_call>{"name":"b","arguments":"{\\"y\\":2}"}</tool_call>',
      [
        { name: 'a', arguments: '{"x":1}' },
        { name: 'b', arguments: '{"y":2}' },
      ],
      '',
    ],
    ['an unclosed block', 'Sure <tool_call>{"name":"a","arguments":{}}', [{ name: 'a', arguments: '{}' }], 'Sure'],
    ['a Llama JSON call with parameters', '{"name": "read_transcript", "parameters": {"last": 5}}', [{ name: 'read_transcript', arguments: '{"last":5}' }], ''],
    ['a fenced JSON call', '```json\n{"name": "time_left", "arguments": {}}\n```', [{ name: 'time_left', arguments: '{}' }], ''],
    ['a python_tag call', '<|python_tag|>{"name": "time_left", "parameters": {}}', [{ name: 'time_left', arguments: '{}' }], ''],
    [
      'a Mistral [TOOL_CALLS] list',
      '[TOOL_CALLS] [{"name": "a", "arguments": {"q": "x"}}, {"name": "b", "arguments": {}}]',
      [
        { name: 'a', arguments: '{"q":"x"}' },
        { name: 'b', arguments: '{}' },
      ],
      '',
    ],
    [
      'an API-shaped call pasted as text',
      '{"type": "function", "function": {"name": "time_left", "arguments": "{}"}}',
      [{ name: 'time_left', arguments: '{}' }],
      '',
    ],
  ])('finds %s', (_label, content, calls, text) => {
    expect(parseTextToolCalls(content)).toEqual({ calls, text });
  });

  it('recovers the name from a tagged call with malformed JSON, so the model hears about its arguments', () => {
    const parsed = parseTextToolCalls('<tool_call>{"name": "post_progress", "arguments": {"text": "unterminated}</tool_call>');
    expect(parsed.calls).toEqual([{ name: 'post_progress', arguments: '{"text": "unterminated' }]);
  });

  it.each([
    ['plain prose', 'The answer is 42.'],
    ['a JSON answer that is data', '{"name": "Alice", "age": 30}'],
    ['a JSON object with extra keys', '{"name": "time_left", "arguments": {}, "note": "x"}'],
    ['a name that cannot be a tool', '{"name": "not a tool", "arguments": {}}'],
    ['broken JSON', '{"name": "time_left", "arguments": '],
    ['an empty list', '[]'],
  ])('leaves %s alone', (_label, content) => {
    expect(parseTextToolCalls(content)).toEqual({ calls: [], text: content.trim() });
  });
});

describe('canonicalArguments', () => {
  it('treats key order and spacing as the same call, and empty as {}', () => {
    expect(canonicalArguments('{ "b": [1, {"d": 1, "c": 2}], "a": "x" }')).toBe('{"a":"x","b":[1,{"c":2,"d":1}]}');
    expect(canonicalArguments('  ')).toBe('{}');
    expect(canonicalArguments(' not json ')).toBe('not json');
    expect(canonicalArguments('{"a":1}')).not.toBe(canonicalArguments('{"a":2}'));
  });
});

describe('capText', () => {
  it('keeps short text, cuts long text at a word with a mark, never splitting a surrogate pair', () => {
    expect(capText('short', 10)).toEqual({ text: 'short', truncated: false });
    const cut = capText('alpha beta gamma delta epsilon zeta eta theta', 30);
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(30);
    expect(cut.text).toBe('alpha beta gamma delta […]');
    const emoji = capText('😀'.repeat(20), 11);
    expect(emoji.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(emoji.text.length).toBeLessThanOrEqual(11);
  });
});
