/**
 * The model port. Bots depend on this, never on a provider SDK, so a provider is one adapter
 * (openai-chat-model.ts) and tests can script a fake in a few lines.
 */

/** One function call the model asked for. `arguments` is the raw JSON text the model wrote (possibly malformed). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string;
}

export interface AssistantMessage {
  role: 'assistant';
  /** The answer text; empty when the model only called tools. */
  content: string;
  /** The calls the model made in this message; each is answered by a `tool` message with its id. */
  tool_calls?: ToolCall[];
}

/** The result of one tool call, fed back to the model. Always follows the assistant message holding the call. */
export interface ToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** A function the model may call; `parameters` is a JSON schema of an object. */
export interface ToolDefinition {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /**
   * Aborting it cancels the request. The adapter rethrows the abort as is (not a ModelError), so a caller
   * tells cancellation from failure by `signal.aborted`.
   */
  signal?: AbortSignal;
  maxTokens?: number;
  /** Functions the model may call. Absent or empty: no tools are offered. */
  tools?: ToolDefinition[];
  /** `none` forbids tool calls for this request (the tools stay declared, so earlier calls still make sense). @default 'auto' */
  toolChoice?: 'auto' | 'none' | 'required';
}

/** Why the model stopped: `length` means the answer (or a call's arguments) was cut by `maxTokens`. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call' | 'unknown';

export interface ChatResult {
  /** The answer; empty when the provider sent no content. */
  text: string;
  /** The model the provider says answered (may differ from the one asked for, e.g. a dated snapshot). */
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
  /** The function calls the model asked for, in order; empty when none. */
  toolCalls: ToolCall[];
  finishReason: FinishReason;
}

export interface ChatModel {
  readonly kind: 'openai' | 'fallback';
  /** Rejects with ModelError or ModelTimeoutError, or with the original abort error when `signal` aborts. */
  complete(request: ChatRequest): Promise<ChatResult>;
}
