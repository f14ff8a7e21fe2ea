import { ModelError } from '../errors.js';
import type { ChatModel } from './chat-model.js';

/**
 * The model used when no LLM is configured, so there is always a ChatModel to inject.
 * It never answers: callers catch the ModelError and post the bot's configured fallback replies.
 */
export function createFallbackChatModel(): ChatModel {
  return {
    kind: 'fallback',
    complete: () => Promise.reject(new ModelError('no LLM configured')),
  };
}
