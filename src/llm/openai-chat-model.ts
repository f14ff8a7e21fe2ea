import OpenAI, { APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ConfigError, ModelError, ModelTimeoutError } from '../errors.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, FinishReason, ToolCall } from './chat-model.js';

export interface OpenAiChatModelOptions {
  /** Required for api.openai.com; optional when `baseURL` points at a local server that ignores keys. */
  apiKey?: string;
  /** An OpenAI-compatible endpoint, e.g. `http://127.0.0.1:11434/v1` for Ollama. @default 'https://api.openai.com/v1' */
  baseURL?: string;
  /** Per attempt: the SDK aborts an attempt whose response headers take longer than this. */
  timeoutMs: number;
  /** SDK retries on connection errors, timeouts, 408, 409, 429 and 5xx, with backoff. */
  maxRetries: number;
  /** Injected in tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** The SDK refuses to build a client without a key, but local servers (Ollama, vLLM) ignore it. */
const PLACEHOLDER_API_KEY = 'not-needed';

/** The ChatModel adapter for OpenAI and OpenAI-compatible servers, over non-streaming Chat Completions. */
export function createOpenAiChatModel(options: OpenAiChatModelOptions): ChatModel {
  const { apiKey, baseURL, timeoutMs, maxRetries } = options;
  if (!apiKey && !baseURL) {
    throw new ConfigError('an OpenAI model needs OPENAI_API_KEY, or OPENAI_BASE_URL for a local compatible server');
  }
  const client = new OpenAI({
    apiKey: apiKey || PLACEHOLDER_API_KEY,
    // Every option is explicit: left undefined, the SDK would fall back to process.env, and config is parsed once.
    baseURL: baseURL ?? OPENAI_BASE_URL,
    organization: null,
    project: null,
    timeout: timeoutMs,
    maxRetries,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });

  async function complete(request: ChatRequest): Promise<ChatResult> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toWireMessage),
          // max_tokens rather than max_completion_tokens: older compatible servers only know this one.
          ...(request.maxTokens !== undefined ? { max_tokens: request.maxTokens } : {}),
          ...(request.tools && request.tools.length > 0
            ? {
                tools: request.tools.map((tool) => ({
                  type: 'function' as const,
                  function: { name: tool.name, description: tool.description, parameters: tool.parameters },
                })),
                ...(request.toolChoice ? { tool_choice: request.toolChoice } : {}),
              }
            : {}),
        },
        { signal: request.signal, timeout: timeoutMs },
      );
    } catch (error) {
      throw toModelError(error, request.signal, timeoutMs, apiKey);
    }
    const choice = completion.choices?.[0];
    if (!choice) {
      throw new ModelError(`the model ${request.model} answered without any choice`);
    }
    return {
      text: choice.message?.content ?? '',
      model: completion.model || request.model,
      ...(completion.usage
        ? { usage: { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } }
        : {}),
      toolCalls: fromWireToolCalls(choice.message?.tool_calls),
      finishReason: toFinishReason(choice.finish_reason),
    };
  }

  return { kind: 'openai', complete };
}

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

function toWireMessage(message: ChatMessage): WireMessage {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.tool_call_id, content: message.content };
    case 'assistant':
      if (!message.tool_calls || message.tool_calls.length === 0) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        // null rather than '' next to tool calls: some compatible servers reject an empty string there.
        content: message.content === '' ? null : message.content,
        tool_calls: message.tool_calls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: call.arguments },
        })),
      };
  }
}

/**
 * The function calls of an answer, made safe for the agent loop: compatible servers have been seen to omit
 * call ids or to send `arguments` as an object rather than JSON text. Custom (non-function) calls are
 * dropped: we never offer custom tools.
 */
function fromWireToolCalls(calls: unknown): ToolCall[] {
  if (!Array.isArray(calls)) return [];
  const result: ToolCall[] = [];
  calls.forEach((call: unknown, index) => {
    if (typeof call !== 'object' || call === null) return;
    const { id, type, function: fn } = call as { id?: unknown; type?: unknown; function?: unknown };
    if (type !== undefined && type !== 'function') return;
    if (typeof fn !== 'object' || fn === null) return;
    const { name, arguments: args } = fn as { name?: unknown; arguments?: unknown };
    if (typeof name !== 'string' || name === '') return;
    result.push({
      id: typeof id === 'string' && id !== '' ? id : `call_${index}`,
      name,
      arguments: typeof args === 'string' ? args : args === undefined || args === null ? '' : JSON.stringify(args),
    });
  });
  return result;
}

const FINISH_REASONS = new Set<FinishReason>(['stop', 'length', 'tool_calls', 'content_filter', 'function_call']);

function toFinishReason(reason: unknown): FinishReason {
  return typeof reason === 'string' && FINISH_REASONS.has(reason as FinishReason) ? (reason as FinishReason) : 'unknown';
}

/** What the caller sees for a failed request; the returned value is thrown. */
function toModelError(error: unknown, signal: AbortSignal | undefined, timeoutMs: number, apiKey: string | undefined): unknown {
  // The caller cancelled: hand back the abort itself so it can tell cancellation from failure.
  if (error instanceof APIUserAbortError) return error;
  if (signal?.aborted && error instanceof Error && error.name === 'AbortError') return error;

  const cause = withoutSecret(error, apiKey);
  if (error instanceof APIConnectionTimeoutError) {
    return new ModelTimeoutError(timeoutMs, { cause });
  }
  const message = redact(error instanceof Error ? error.message : String(error), apiKey);
  // APIConnectionError is an APIError with no status: the request never got an answer.
  const status = error instanceof APIError ? error.status : undefined;
  return new ModelError(`the model request failed: ${message}`, { ...(status !== undefined ? { status } : {}), cause });
}

function redact(text: string, secret: string | undefined): string {
  return secret ? text.replaceAll(secret, '[redacted]') : text;
}

/**
 * The SDK error, unless the provider echoed the key back (in the message or the error body), in which case a
 * plain copy with the key redacted: logs serialize `cause` too.
 */
function withoutSecret(error: unknown, secret: string | undefined): unknown {
  if (!secret || !(error instanceof Error)) return error;
  const body = error instanceof APIError ? JSON.stringify(error.error ?? null) : '';
  if (![error.message, error.stack ?? '', body].some((text) => text.includes(secret))) return error;
  const copy = new Error(redact(error.message, secret));
  copy.name = error.name;
  return copy;
}
