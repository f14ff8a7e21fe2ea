/**
 * One turn's agent loop: call the model, run the tools it asks for, feed the results back, repeat until it
 * answers without tools or the step limit is hit. It never loops silently and never throws for a tool: bad
 * arguments, unknown or disallowed tools, forbidden routes and tool failures all go back to the model as
 * tool errors. It does no I/O of its own: the model, the tools' platform and the chat come in as arguments.
 */
import { ForbiddenPlatformCallError } from '../tools/guard-platform-request.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ToolCall } from '../llm/chat-model.js';
import type { ToolSet } from '../tools/resolve-bot-tools.js';
import { ToolError, toToolDefinition, type AnyTool } from '../tools/tool.js';
import type { ToolContext } from '../tools/tool-context.js';
import { DEFAULT_AGENT_CONFIG } from './agent-config.js';
import { canonicalArguments } from './canonical-json.js';
import { capText } from './cap-text.js';
import { parseTextToolCalls } from './parse-text-tool-calls.js';

/** Posted when the step limit is hit and the model wrote no text at all. */
export const STEP_LIMIT_MESSAGE =
  "I worked on this as far as I could in one go but didn't reach a final answer yet. Tell me to continue, or narrow the request.";
/** Posted when the model failed after tools had already run and it had written no text. */
export const MODEL_FAILED_MESSAGE = 'I ran into a problem finishing this answer. Please ask again in a moment.';

/** Told to the model when the limit is hit, for one last call without tools. */
const FINAL_ANSWER_NOTE =
  'You have used every step for this turn. Do not call any tool. Answer now with what you have: what you did and what remains.';

export type AgentStopReason = 'answer' | 'step_limit' | 'budget' | 'model_error';

export interface ToolCallRecord {
  id: string;
  name: string;
  /** The raw arguments as the model wrote them. */
  arguments: string;
  /** `text`: the model wrote the call in its answer text rather than as an API tool call. */
  source: 'native' | 'text';
  ok: boolean;
  /** Answered from an identical earlier call in this turn, not run again. */
  repeated: boolean;
  /** What the model was sent back (a result, or `{"error": …}`). */
  result: string;
}

export interface AgentLoopResult {
  /** The answer to post: capped, never empty unless the very first answer was empty (then: use the fallback reply). */
  text: string;
  stoppedBy: AgentStopReason;
  /** Model calls plus repeated tool calls: what the step limit counts. */
  steps: number;
  modelCalls: number;
  toolCalls: ToolCallRecord[];
  usage: { promptTokens: number; completionTokens: number };
  /** The answer was longer than maxOutputChars and was cut. */
  truncated: boolean;
  /** The messages this loop added after the input (assistant tool calls, tool results, the last answer). */
  messages: ChatMessage[];
  /** With stoppedBy 'model_error': the error. */
  error?: unknown;
}

export type BudgetVerdict = { stop: false } | { stop: true; message: string };

export interface RunAgentLoopInput {
  /** The port, or a wrapper that routes each call through the bot's LLM queue. */
  model: Pick<ChatModel, 'complete'>;
  modelName: string;
  /** Answer token cap per model call. */
  maxTokens?: number;
  /** The turn's context (persona, rules, transcript); not modified. */
  messages: readonly ChatMessage[];
  /** The bot's allowed tools; empty: a plain answer (text tool calls are still refused). */
  tools: ToolSet;
  context: ToolContext;
  /** @default DEFAULT_AGENT_CONFIG: 6 steps, 6000 characters out, 8000 characters per tool result */
  maxSteps?: number;
  maxOutputChars?: number;
  maxToolResultChars?: number;
  /** On the step limit, one more call with tools off to get a real answer. @default true */
  finalAnswerOnLimit?: boolean;
  signal?: AbortSignal;
  /** Keeps the request inside the model's window before each call (token-budget.ts fitMessagesToWindow). */
  fitMessages?: (messages: ChatMessage[]) => ChatMessage[];
  /** Asked before each model call; `stop` ends the loop with stoppedBy 'budget' (a spent rental or daily budget). */
  beforeModelCall?: (info: { step: number; modelCalls: number }) => BudgetVerdict | Promise<BudgetVerdict>;
  /** After each model call, e.g. to record tokens and cost. Not awaited for errors: a throw here ends the turn. */
  onModelResult?: (result: ChatResult) => void | Promise<void>;
  log?: { debug(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export async function runAgentLoop(input: RunAgentLoopInput): Promise<AgentLoopResult> {
  const maxSteps = input.maxSteps ?? DEFAULT_AGENT_CONFIG.max_steps;
  const maxOutputChars = input.maxOutputChars ?? DEFAULT_AGENT_CONFIG.max_output_chars;
  const maxToolResultChars = input.maxToolResultChars ?? DEFAULT_AGENT_CONFIG.max_tool_result_chars;
  const { tools, signal } = input;
  const definitions = [...tools.values()].map(toToolDefinition);
  const context: ToolContext = signal && !input.context.signal ? { ...input.context, signal } : input.context;

  const conversation: ChatMessage[] = [...input.messages];
  const added: ChatMessage[] = [];
  const records: ToolCallRecord[] = [];
  const usage = { promptTokens: 0, completionTokens: 0 };
  /** Identical calls (name + canonical arguments) are answered from the first one. */
  const firstResults = new Map<string, { ok: boolean; result: string }>();
  const callsPerTool = new Map<string, number>();
  let steps = 0;
  let modelCalls = 0;
  /** The latest non-empty text the model wrote: the best answer so far. */
  let bestText = '';

  const append = (message: ChatMessage) => {
    conversation.push(message);
    added.push(message);
  };
  const finish = (stoppedBy: AgentStopReason, text: string, error?: unknown): AgentLoopResult => {
    const capped = capText(text.trim(), maxOutputChars);
    return {
      text: capped.text,
      stoppedBy,
      steps,
      modelCalls,
      toolCalls: records,
      usage,
      truncated: capped.truncated,
      messages: added,
      ...(error !== undefined ? { error } : {}),
    };
  };
  const callModel = async (toolChoice: 'auto' | 'none'): Promise<ChatResult> => {
    const request: ChatRequest = {
      model: input.modelName,
      messages: input.fitMessages ? input.fitMessages([...conversation]) : conversation,
      ...(input.maxTokens !== undefined ? { maxTokens: input.maxTokens } : {}),
      ...(definitions.length > 0 ? { tools: definitions, toolChoice } : {}),
      ...(signal ? { signal } : {}),
    };
    const result = await input.model.complete(request);
    modelCalls++;
    if (result.usage) {
      usage.promptTokens += result.usage.promptTokens;
      usage.completionTokens += result.usage.completionTokens;
    }
    await input.onModelResult?.(result);
    return result;
  };

  for (;;) {
    signal?.throwIfAborted();
    if (steps >= maxSteps) return finishOnLimit();
    const verdict = (await input.beforeModelCall?.({ step: steps, modelCalls })) ?? { stop: false };
    if (verdict.stop) return finish('budget', bestText || verdict.message);

    let result: ChatResult;
    try {
      result = await callModel('auto');
    } catch (error) {
      // Nothing happened yet: the caller's usual failure path (the fallback reply) applies.
      if (signal?.aborted || modelCalls === 0) throw error;
      input.log?.warn({ err: error, modelCalls }, 'the model failed in the middle of an agent loop; answering with what it has');
      return finish('model_error', bestText || MODEL_FAILED_MESSAGE, error);
    }
    steps++;

    let calls: ToolCall[] = result.toolCalls;
    let text = result.text;
    let source: ToolCallRecord['source'] = 'native';
    if (calls.length === 0) {
      const parsed = parseTextToolCalls(text);
      if (parsed.calls.length > 0) {
        calls = parsed.calls.map((call, index) => ({ id: `text_call_${modelCalls}_${index}`, ...call }));
        text = parsed.text;
        source = 'text';
      }
    }
    if (text.trim() !== '') bestText = text;
    if (calls.length === 0) {
      append({ role: 'assistant', content: text });
      return finish('answer', text.trim() !== '' ? text : bestText);
    }

    append({ role: 'assistant', content: text, tool_calls: calls });
    for (const call of calls) {
      const record = await runCall(call, source);
      records.push(record);
      append({ role: 'tool', tool_call_id: call.id, content: record.result });
      // A repeated identical call counts toward the limit, so a model stuck repeating itself stops sooner.
      if (record.repeated) steps++;
    }
  }

  async function finishOnLimit(): Promise<AgentLoopResult> {
    let finalText = '';
    if (input.finalAnswerOnLimit !== false && definitions.length > 0) {
      const verdict = (await input.beforeModelCall?.({ step: steps, modelCalls })) ?? { stop: false };
      if (!verdict.stop) {
        conversation.push({ role: 'system', content: FINAL_ANSWER_NOTE });
        try {
          const result = await callModel('none');
          // A model that still calls tools here only gets its text used.
          finalText = parseTextToolCalls(result.text).text;
          if (finalText !== '') append({ role: 'assistant', content: finalText });
        } catch (error) {
          if (signal?.aborted) throw error;
          input.log?.warn({ err: error }, 'the final answer call after the step limit failed');
        }
      }
    }
    input.log?.warn({ steps, modelCalls, toolCalls: records.length }, 'the agent loop hit its step limit');
    return finish('step_limit', finalText || bestText || STEP_LIMIT_MESSAGE);
  }

  async function runCall(call: ToolCall, source: ToolCallRecord['source']): Promise<ToolCallRecord> {
    const record = (ok: boolean, result: string, repeated = false): ToolCallRecord => ({
      id: call.id,
      name: call.name,
      arguments: call.arguments,
      source,
      ok,
      repeated,
      result,
    });
    const failure = (message: string) => record(false, JSON.stringify({ error: message }));

    const tool = tools.get(call.name);
    if (!tool) {
      const offered = [...tools.keys()];
      return failure(
        `the tool "${call.name}" is not available to you` +
          (offered.length > 0 ? `; the tools you have are: ${offered.join(', ')}` : '; you have no tools in this conversation'),
      );
    }
    const key = `${call.name}\u0000${canonicalArguments(call.arguments)}`;
    const first = firstResults.get(key);
    if (first !== undefined) {
      const again = { repeated_call: 'You already made this exact call in this turn; this is its result again. Do not repeat it.' };
      return record(first.ok, JSON.stringify({ ...again, result: first.result }), true);
    }
    const outcome = await execute(tool, call);
    const result = capText(outcome.result, maxToolResultChars).text;
    firstResults.set(key, { ok: outcome.ok, result });
    input.log?.debug({ tool: call.name, ok: outcome.ok, source }, 'tool call');
    return record(outcome.ok, result);
  }

  async function execute(tool: AnyTool, call: ToolCall): Promise<{ ok: boolean; result: string }> {
    const error = (message: string) => ({ ok: false, result: JSON.stringify({ error: message }) });
    const parsed = parseArguments(call.arguments);
    if ('error' in parsed) return error(parsed.error);
    const validation = tool.parameters.safeParse(parsed.value);
    if (!validation.success) {
      const problems = validation.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'arguments'}: ${issue.message}`);
      const empty = call.arguments.trim() === '' ? 'the arguments are empty; ' : '';
      return error(`${empty}invalid arguments for ${tool.name}: ${problems.join('; ')}`);
    }
    const used = callsPerTool.get(tool.name) ?? 0;
    if (tool.maxCallsPerTurn !== undefined && used >= tool.maxCallsPerTurn) {
      return error(`${tool.name} may be called at most ${tool.maxCallsPerTurn} time(s) per turn; continue without it`);
    }
    callsPerTool.set(tool.name, used + 1);
    try {
      const value = await tool.execute(validation.data, context);
      return { ok: true, result: typeof value === 'string' ? value : (JSON.stringify(value ?? null) ?? 'null') };
    } catch (err) {
      if (signal?.aborted || context.signal?.aborted) throw err;
      if (err instanceof ToolError) return error(err.message);
      if (err instanceof ForbiddenPlatformCallError) {
        input.log?.warn({ tool: tool.name, method: err.method, path: err.path }, 'a tool tried a forbidden platform route');
        return error(`${err.message}. This action is not available to you.`);
      }
      input.log?.warn({ err, tool: tool.name }, 'a tool failed');
      const message = err instanceof Error ? err.message : String(err);
      return error(`${tool.name} failed: ${message.slice(0, 300)}`);
    }
  }
}

/** The arguments as a value for the schema. Empty means `{}`: no-argument tools are often called that way. */
function parseArguments(raw: string): { value: unknown } | { error: string } {
  const text = raw.trim();
  if (text === '') return { value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
    // Some models encode the arguments object twice.
    if (typeof value === 'string' && value.trim().startsWith('{')) value = JSON.parse(value);
  } catch (err) {
    return { error: `the arguments are not valid JSON (${(err as Error).message}); send one JSON object that matches the tool's schema` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: "the arguments must be one JSON object that matches the tool's schema" };
  }
  return { value };
}
