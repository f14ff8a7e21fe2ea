/**
 * Tool calls a model wrote as text instead of using the API's tool_calls: small local models do this, in a few
 * shapes. Recognised:
 *   <tool_call>{"name": "x", "arguments": {...}}</tool_call>     (Hermes, Qwen; several blocks allowed)
 *   {"name": "x", "arguments": {...}}  or  "parameters" instead of "arguments"  (Llama 3.x), also in a ```json fence
 *   {"type": "function", "function": {"name": "x", "arguments": "..."}}          (an API call pasted as text)
 *   [ …several of the above… ], optionally after <|python_tag|> or [TOOL_CALLS]
 * A JSON answer is read as a call only when its keys are exactly these, so ordinary JSON answers stay answers.
 */
import { TOOL_NAME_PATTERN } from '../tools/tool.js';

export interface TextToolCall {
  name: string;
  /** JSON text of the arguments, as the API would send it; may be malformed when the model wrote it so. */
  arguments: string;
}

export interface ParsedText {
  calls: TextToolCall[];
  /** The text with the calls taken out (trimmed). */
  text: string;
}

const TAGGED = /<(tool_call|function_call)>([\s\S]*?)(?:<\/\1>|$)/gi;
const PREFIX = /^\s*(?:<\|python_tag\|>|\[TOOL_CALLS\])\s*/;
const FENCE = /^```(?:json)?\s*([\s\S]*?)\s*```$/i;

export function parseTextToolCalls(content: string): ParsedText {
  if (/<(tool_call|function_call)>/i.test(content)) {
    const calls: TextToolCall[] = [];
    const rest = content.replace(TAGGED, (_match, _tag, inner: string) => {
      const call = callFromTaggedText(inner);
      if (call) calls.push(call);
      return '';
    });
    return { calls, text: rest.trim() };
  }

  let body = content.trim().replace(PREFIX, '');
  const fenced = FENCE.exec(body);
  if (fenced?.[1] !== undefined) body = fenced[1].trim();
  if (!body.startsWith('{') && !body.startsWith('[')) return { calls: [], text: content.trim() };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { calls: [], text: content.trim() };
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const calls = items.map((item) => callFromObject(item));
  if (items.length === 0 || calls.some((call) => call === null)) return { calls: [], text: content.trim() };
  return { calls: calls as TextToolCall[], text: '' };
}

function callFromTaggedText(inner: string): TextToolCall | null {
  const text = inner.trim();
  try {
    const call = callFromObject(JSON.parse(text), true);
    if (call) return call;
  } catch {
    // malformed JSON: recover the name so the model is told what was wrong with its arguments
  }
  const name = /"name"\s*:\s*"([^"]+)"/.exec(text)?.[1];
  if (!name || !TOOL_NAME_PATTERN.test(name)) return null;
  const argsAt = text.search(/"(arguments|parameters)"\s*:/);
  const args = argsAt < 0 ? '' : text.slice(text.indexOf(':', argsAt) + 1).replace(/}\s*$/, '').trim();
  return { name, arguments: args };
}

const CALL_KEYS = new Set(['name', 'arguments', 'parameters', 'id', 'type']);

/** `lenient`: inside <tool_call> tags the intent is clear, so extra keys are tolerated. */
function callFromObject(value: unknown, lenient = false): TextToolCall | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const object = value as Record<string, unknown>;
  if (object.type === 'function' && typeof object.function === 'object' && object.function !== null) {
    return callFromObject(object.function, true);
  }
  if (typeof object.name !== 'string' || !TOOL_NAME_PATTERN.test(object.name)) return null;
  const hasArgs = 'arguments' in object || 'parameters' in object;
  if (!lenient && (!hasArgs || Object.keys(object).some((key) => !CALL_KEYS.has(key)))) return null;
  const args = object.arguments ?? object.parameters;
  return {
    name: object.name,
    arguments: typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args),
  };
}
