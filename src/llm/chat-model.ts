/**
 * The model port. Bots depend on this, never on a provider SDK, so a provider is one adapter
 * (openai-chat-model.ts) and tests can script a fake in a few lines.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
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
}

export interface ChatResult {
  /** The answer; empty when the provider sent no content. */
  text: string;
  /** The model the provider says answered (may differ from the one asked for, e.g. a dated snapshot). */
  model: string;
  usage?: { promptTokens: number; completionTokens: number };
}

export interface ChatModel {
  readonly kind: 'openai' | 'fallback';
  /** Rejects with ModelError or ModelTimeoutError, or with the original abort error when `signal` aborts. */
  complete(request: ChatRequest): Promise<ChatResult>;
}
