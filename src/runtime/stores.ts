/** All the host's tables, opened on one database. */
import { createActorStore } from '../store/actor-store.js';
import { createApiUsageStore } from '../store/api-usage-store.js';
import { createDeadLetterStore, createInboxStore } from '../store/inbox-store.js';
import { createLlmCallStore, createNoticeStore } from '../store/llm-call-store.js';
import { createMessageStore } from '../store/message-store.js';
import type { Db } from '../store/open-database.js';
import { createOutboxStore } from '../store/outbox-store.js';
import { createTimerStore } from '../store/timer-store.js';
import { createToolCallJournalStore } from '../store/tool-call-journal-store.js';
import { createTurnStore } from '../store/turn-store.js';

export function createStores(db: Db) {
  return {
    db,
    inbox: createInboxStore(db),
    deadLetters: createDeadLetterStore(db),
    actors: createActorStore(db),
    messages: createMessageStore(db),
    turns: createTurnStore(db),
    outbox: createOutboxStore(db),
    timers: createTimerStore(db),
    apiUsage: createApiUsageStore(db),
    llmCalls: createLlmCallStore(db),
    notices: createNoticeStore(db),
    toolCalls: createToolCallJournalStore(db),
  };
}
export type Stores = ReturnType<typeof createStores>;
