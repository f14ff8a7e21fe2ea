/**
 * Keeps a request inside the model's context window, counted in tokens (gpt-tokenizer's o200k_base, the
 * encoding of current OpenAI models; for other models it is an estimate close enough to budget with).
 * System messages are always kept, and so are pinned user messages (the renter's pre-loaded instructions),
 * capped if they alone would crowd out the current turn; the oldest other turns go first; a tool result never
 * survives without the assistant message holding its call, nor a call without its result.
 */
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { AssistantMessage, ChatMessage, ToolDefinition, ToolMessage } from '../llm/chat-model.js';

export interface TokenCounter {
  count(text: string): number;
}

/** Special-token text (`<|endoftext|>`) in user input is counted as plain text, never refused. */
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>() };

export const defaultTokenCounter: TokenCounter = {
  count: (text) => (text === '' ? 0 : countTokens(text, NO_SPECIAL_TOKENS)),
};

/** Chat formatting around each message (role, separators), as OpenAI's token-counting guide gives it. */
const PER_MESSAGE = 4;
const PER_TOOL_CALL = 4;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
const REPLY_PRIMING = 3;

export function messageTokens(message: ChatMessage, counter: TokenCounter = defaultTokenCounter): number {
  let tokens = PER_MESSAGE + counter.count(message.content);
  if (message.role === 'assistant') {
    for (const call of message.tool_calls ?? []) {
      tokens += PER_TOOL_CALL + counter.count(call.id) + counter.count(call.name) + counter.count(call.arguments);
    }
  } else if (message.role === 'tool') {
    tokens += counter.count(message.tool_call_id);
  }
  return tokens;
}

export function conversationTokens(messages: readonly ChatMessage[], counter: TokenCounter = defaultTokenCounter): number {
  return messages.reduce((sum, message) => sum + messageTokens(message, counter), REPLY_PRIMING);
}

export function toolDefinitionTokens(tools: readonly ToolDefinition[], counter: TokenCounter = defaultTokenCounter): number {
  return tools.length === 0 ? 0 : counter.count(JSON.stringify(tools));
}

/** Context windows of common models, by name prefix (longest match wins). Unknown models get the default. */
export const DEFAULT_CONTEXT_WINDOWS: Readonly<Record<string, number>> = {
  'gpt-3.5-turbo': 16_385,
  'gpt-4': 8_192,
  'gpt-4-turbo': 128_000,
  'gpt-4o': 128_000,
  'gpt-4.1': 1_047_576,
  'gpt-5': 400_000,
  o1: 200_000,
  o3: 200_000,
  'o4-mini': 200_000,
};
/** A window small enough for most local models (Ollama's default context is smaller still: set it per bot). */
export const DEFAULT_CONTEXT_WINDOW = 8_192;

export function contextWindowFor(model: string, overrides: Readonly<Record<string, number>> = {}): number {
  const table = { ...DEFAULT_CONTEXT_WINDOWS, ...overrides };
  const key = Object.keys(table)
    .filter((prefix) => model === prefix || model.startsWith(`${prefix}-`) || model.startsWith(`${prefix}:`))
    .sort((a, b) => b.length - a.length)[0];
  return key === undefined ? DEFAULT_CONTEXT_WINDOW : (table[key] ?? DEFAULT_CONTEXT_WINDOW);
}

/** Tokens the messages may use: the window less the answer's budget and the tool definitions. */
export function promptBudget(options: {
  contextWindow: number;
  maxTokens: number;
  tools?: readonly ToolDefinition[];
  counter?: TokenCounter;
}): number {
  return options.contextWindow - options.maxTokens - toolDefinitionTokens(options.tools ?? [], options.counter);
}

export interface FitOptions {
  /** The most tokens the messages may use (see promptBudget). */
  maxPromptTokens: number;
  counter?: TokenCounter;
  /** Put a short system note where turns were left out, so the model knows the start is missing. @default true */
  noteTrimmed?: boolean;
  /**
   * User messages kept whatever their age, like system messages (the renter's pre-loaded instructions): the
   * turns after them are trimmed instead. A pinned message that alone does not fit next to the current turn is
   * cut (marked) to what is left, but never below half the room the system messages leave.
   */
  pin?: (message: ChatMessage) => boolean;
}

export interface FitResult {
  messages: ChatMessage[];
  tokens: number;
  /** Messages left out (whole old turns, and unpaired tool calls or results). */
  dropped: number;
  /** Messages of the current turn, or pinned messages, whose content had to be shortened. */
  shortened: number;
  /** False only when the system messages alone do not fit. */
  fits: boolean;
}

const TRIMMED_NOTE = (count: number) =>
  `[${count} earlier message${count === 1 ? ' was' : 's were'} left out of this conversation to fit the context window. ` +
  'Do not guess what they said; ask if you need it.]';
const CUT_MARK = '\n[…cut to fit the context window]';
const PINNED_CUT_MARK = '\n[…the rest of this message was cut to fit the context window]';

export function fitMessagesToWindow(messages: readonly ChatMessage[], options: FitOptions): FitResult {
  const counter = options.counter ?? defaultTokenCounter;
  const paired = pairToolMessages(messages);
  let dropped = messages.length - paired.length;
  const tokensOf = paired.map((message) => messageTokens(message, counter));
  const total = tokensOf.reduce((sum, n) => sum + n, REPLY_PRIMING);
  if (total <= options.maxPromptTokens) return { messages: paired, tokens: total, dropped, shortened: 0, fits: true };

  const systemTokens = paired.reduce((sum, message, i) => (message.role === 'system' ? sum + (tokensOf[i] ?? 0) : sum), REPLY_PRIMING);
  const noteTokens = options.noteTrimmed === false ? 0 : messageTokens({ role: 'system', content: TRIMMED_NOTE(99_999) }, counter);
  let room = options.maxPromptTokens - systemTokens - noteTokens;

  // Pinned user messages stand apart from the turns: kept, and cut only if they alone crowd out the current turn.
  const isPinned = (i: number) => paired[i]?.role === 'user' && options.pin?.(paired[i]!) === true;
  const pinned = paired.flatMap((_, i) => (isPinned(i) ? [i] : []));
  // Units: an assistant message with tool calls and its results stand or fall together.
  const units = toUnits(paired).filter((unit) => !isPinned(unit[0]!));
  // The current turn (the last user message and everything after it) is always kept, shortened if it must be.
  // With no user message after the pinned ones (autonomous work steps), it is the newest unit.
  const lastUser = paired.findLastIndex((message, i) => message.role === 'user' && !isPinned(i));
  const keep = new Set<number>();
  let shortened = 0;
  const replaced = new Map<number, ChatMessage>();
  const currentStart = lastUser > (pinned.at(-1) ?? -1) ? lastUser : (units.at(-1)?.[0] ?? paired.length);
  const current = units.filter((unit) => (unit[0] ?? 0) >= currentStart).flat().filter((i) => paired[i]?.role !== 'system');
  let currentTokens = current.reduce((sum, i) => sum + (tokensOf[i] ?? 0), 0);

  let pinnedTokens = pinned.reduce((sum, i) => sum + (tokensOf[i] ?? 0), 0);
  if (pinnedTokens + currentTokens > room) {
    // The current turn may take the room the pinned messages leave, but never more than half of it.
    let allowance = Math.max(Math.floor(room / 2), room - currentTokens);
    pinnedTokens = 0;
    for (const i of pinned) {
      const message = paired[i]!;
      const size = tokensOf[i] ?? 0;
      if (size <= allowance) {
        allowance -= size;
        pinnedTokens += size;
        continue;
      }
      const overhead = size - counter.count(message.content);
      const cut = { ...message, content: truncateToTokens(message.content, Math.max(16, allowance - overhead), counter, PINNED_CUT_MARK) } as ChatMessage;
      const cutTokens = messageTokens(cut, counter);
      replaced.set(i, cut);
      shortened++;
      allowance = Math.max(0, allowance - cutTokens);
      pinnedTokens += cutTokens;
    }
  }
  for (const i of pinned) keep.add(i);
  room -= pinnedTokens;
  if (currentTokens > room) {
    // Shorten the largest tool results first, then the rest, largest first, until the turn fits.
    const order = [...current].sort((a, b) => rank(paired[b]!) - rank(paired[a]!) || (tokensOf[b] ?? 0) - (tokensOf[a] ?? 0));
    for (const i of order) {
      if (currentTokens <= room) break;
      const message = paired[i]!;
      const excess = currentTokens - room;
      const overhead = (tokensOf[i] ?? 0) - counter.count(message.content);
      const target = Math.max(16, (tokensOf[i] ?? 0) - overhead - excess);
      const cut = { ...message, content: truncateToTokens(message.content, target, counter) } as ChatMessage;
      const cutTokens = messageTokens(cut, counter);
      if (cutTokens >= (tokensOf[i] ?? 0)) continue;
      replaced.set(i, cut);
      currentTokens -= (tokensOf[i] ?? 0) - cutTokens;
      shortened++;
    }
  }
  for (const i of current) keep.add(i);
  room -= currentTokens;

  // Then older units, newest first, while they fit; the first that does not fit ends it (no holes in time).
  const older = units.filter((unit) => (unit[0] ?? 0) < currentStart).reverse();
  for (const unit of older) {
    const cost = unit.reduce((sum, i) => sum + (tokensOf[i] ?? 0), 0);
    if (cost > room) break;
    room -= cost;
    for (const i of unit) keep.add(i);
  }

  // The note goes where the gap ends: before the first kept turn after the last message left out
  // (after the pinned instructions, when the turns trimmed are the ones that followed them).
  const leftOut = paired.flatMap((message, i) => (message.role === 'system' || keep.has(i) ? [] : [i]));
  const lastLeftOut = leftOut.at(-1) ?? -1;
  const noteBefore = leftOut.length === 0 || options.noteTrimmed === false ? -1 : paired.findIndex((message, i) => i > lastLeftOut && message.role !== 'system' && keep.has(i));
  const result: ChatMessage[] = [];
  paired.forEach((message, i) => {
    if (i === noteBefore) result.push({ role: 'system', content: TRIMMED_NOTE(leftOut.length) });
    if (message.role === 'system' || keep.has(i)) result.push(replaced.get(i) ?? message);
  });
  dropped += leftOut.length;
  const tokens = conversationTokens(result, counter);
  return { messages: result, tokens, dropped, shortened, fits: tokens <= options.maxPromptTokens };
}

/** Tool results are the cheapest to shorten, the user's own words the last. */
function rank(message: ChatMessage): number {
  return message.role === 'tool' ? 2 : message.role === 'assistant' ? 1 : 0;
}

/**
 * The messages with every tool result right after the assistant message holding its call, and every call
 * answered: unanswered calls are removed from their message (which is dropped if nothing is left), and
 * results whose call is not right before them are dropped.
 */
export function pairToolMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const result: ChatMessage[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'tool') continue; // only reached for results with no call right before them
    if (message.role !== 'assistant' || !message.tool_calls || message.tool_calls.length === 0) {
      result.push(message);
      continue;
    }
    const results: ToolMessage[] = [];
    let j = i + 1;
    for (; j < messages.length && messages[j]!.role === 'tool'; j++) results.push(messages[j] as ToolMessage);
    i = j - 1;
    const callIds = new Set(message.tool_calls.map((call) => call.id));
    const answered = new Set(results.filter((r) => callIds.has(r.tool_call_id)).map((r) => r.tool_call_id));
    const calls = message.tool_calls.filter((call) => answered.has(call.id));
    const seen = new Set<string>();
    const kept = results.filter((r) => answered.has(r.tool_call_id) && !seen.has(r.tool_call_id) && seen.add(r.tool_call_id));
    if (calls.length === 0) {
      if (message.content.trim() !== '') result.push({ role: 'assistant', content: message.content });
      continue;
    }
    const assistant: AssistantMessage = { role: 'assistant', content: message.content, tool_calls: calls };
    result.push(assistant, ...kept);
  }
  return result;
}

/** Indexes of non-system messages, grouped: an assistant with tool calls plus its results is one unit. */
function toUnits(messages: readonly ChatMessage[]): number[][] {
  const units: number[][] = [];
  messages.forEach((message, i) => {
    if (message.role === 'system') return;
    if (message.role === 'tool') {
      units.at(-1)?.push(i);
      return;
    }
    units.push([i]);
  });
  return units;
}

/** The head of `text` that fits in `maxTokens` (with a mark saying it was cut). */
export function truncateToTokens(text: string, maxTokens: number, counter: TokenCounter = defaultTokenCounter, mark: string = CUT_MARK): string {
  if (counter.count(text) <= maxTokens) return text;
  const budget = Math.max(1, maxTokens - counter.count(mark));
  let low = 0;
  let high = text.length;
  // Binary search on the character length: counting is monotonic enough in the prefix length.
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (counter.count(text.slice(0, mid)) <= budget) low = mid;
    else high = mid - 1;
  }
  let end = low;
  // Tokens merge across the join with the mark: shorten until the whole string fits.
  for (;;) {
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    const cut = `${text.slice(0, end)}${mark}`;
    if (end <= 0 || counter.count(cut) <= maxTokens) return cut;
    end--;
  }
}

/**
 * The `fitMessages` hook of the agent loop for one bot: its model's window, less its answer cap and the tool
 * definitions it offers. Note: `contextWindow` should come from the bot file for local models.
 */
export function windowFitter(options: {
  contextWindow: number;
  maxTokens: number;
  tools?: readonly ToolDefinition[];
  counter?: TokenCounter;
  /** User messages trimming keeps (FitOptions.pin). */
  pin?: (message: ChatMessage) => boolean;
}): (messages: ChatMessage[]) => ChatMessage[] {
  const maxPromptTokens = promptBudget(options);
  const fit: Omit<FitOptions, 'maxPromptTokens'> = { ...(options.counter ? { counter: options.counter } : {}), ...(options.pin ? { pin: options.pin } : {}) };
  return (messages) => fitMessagesToWindow(messages, { maxPromptTokens, ...fit }).messages;
}
