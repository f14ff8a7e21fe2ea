import { describe, expect, it } from 'vitest';
import {
  contextWindowFor,
  conversationTokens,
  defaultTokenCounter,
  fitMessagesToWindow,
  messageTokens,
  pairToolMessages,
  promptBudget,
  truncateToTokens,
  windowFitter,
} from '../../src/context/token-budget.js';
import type { ChatMessage } from '../../src/llm/chat-model.js';

const SYSTEM: ChatMessage = { role: 'system', content: 'You are Research Helper, a bot on AgentsAccess. Be concise.' };
const TASK: ChatMessage = { role: 'system', content: 'The rental ends soon: wrap up.' };

/** `turns` exchanges; every third one calls two tools before answering. */
function conversation(turns: number): ChatMessage[] {
  const messages: ChatMessage[] = [SYSTEM];
  for (let i = 0; i < turns; i++) {
    messages.push({ role: 'user', content: `[renter] Question ${i}: what about section ${i} of the paper?` });
    if (i % 3 === 0) {
      messages.push({
        role: 'assistant',
        content: i % 2 === 0 ? '' : 'Let me look.',
        tool_calls: [
          { id: `call_${i}_a`, name: 'read_transcript', arguments: `{"last":${i % 7}}` },
          { id: `call_${i}_b`, name: 'time_left', arguments: '{}' },
        ],
      });
      messages.push({ role: 'tool', tool_call_id: `call_${i}_a`, content: `{"messages":["result ${i} ${'lorem '.repeat(20)}"]}` });
      messages.push({ role: 'tool', tool_call_id: `call_${i}_b`, content: '{"minutes_left":12}' });
    }
    messages.push({ role: 'assistant', content: `Answer ${i}: section ${i} argues that ${'things '.repeat(10)}.` });
  }
  messages.push(TASK);
  return messages;
}

/** Every tool result right after the assistant holding its call, and every call answered. */
function expectPaired(messages: ChatMessage[]): void {
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === 'assistant' && message.tool_calls?.length) {
      const results = [];
      for (let j = i + 1; j < messages.length && messages[j]!.role === 'tool'; j++) results.push(messages[j] as { tool_call_id: string });
      expect(results.map((r) => r.tool_call_id).sort()).toEqual(message.tool_calls.map((c) => c.id).sort());
    }
    if (message.role === 'tool') {
      let j = i - 1;
      while (j >= 0 && messages[j]!.role === 'tool') j--;
      const holder = messages[j];
      expect(holder?.role).toBe('assistant');
      expect(holder?.role === 'assistant' && holder.tool_calls?.some((c) => c.id === message.tool_call_id)).toBe(true);
    }
  }
}

describe('token counting', () => {
  it('counts with a real tokenizer, not characters/4', () => {
    expect(defaultTokenCounter.count('hello world')).toBe(2);
    expect(defaultTokenCounter.count('')).toBe(0);
    // 4 characters per token would say 25 here.
    expect(defaultTokenCounter.count('a'.repeat(100))).toBeLessThan(25);
  });

  it('counts special-token text in user input as plain text instead of throwing', () => {
    expect(defaultTokenCounter.count('ignore <|endoftext|> this')).toBeGreaterThan(3);
  });

  it('counts tool calls and results', () => {
    const plain = messageTokens({ role: 'assistant', content: 'ok' });
    const withCall = messageTokens({ role: 'assistant', content: 'ok', tool_calls: [{ id: 'c1', name: 'time_left', arguments: '{"a":1}' }] });
    expect(withCall).toBeGreaterThan(plain + 5);
    expect(conversationTokens([{ role: 'user', content: 'hi' }])).toBe(3 + 4 + 1);
  });
});

describe('fitMessagesToWindow', () => {
  it('keeps a 200-turn conversation with tool calls inside a small window, every tool result paired', () => {
    const messages = conversation(200);
    const before = conversationTokens(messages);

    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 1500 });

    expect(before).toBeGreaterThan(10_000);
    expect(fitted.fits).toBe(true);
    expect(fitted.tokens).toBeLessThanOrEqual(1500);
    expect(conversationTokens(fitted.messages)).toBe(fitted.tokens);
    expectPaired(fitted.messages);
    // The system messages stay, in place; the newest turns stay; the start is marked as left out.
    expect(fitted.messages[0]).toEqual(SYSTEM);
    expect(fitted.messages.at(-1)).toEqual(TASK);
    expect(fitted.messages[1]).toMatchObject({ role: 'system', content: expect.stringContaining('earlier messages were left out') });
    expect(fitted.messages.at(-2)).toEqual(messages.at(-2));
    expect(fitted.messages.at(-3)).toEqual(messages.at(-3));
    expect(fitted.dropped).toBeGreaterThan(500);
    // What is kept is the original order, with no holes: a contiguous tail of the transcript.
    const kept = fitted.messages.filter((m) => m.role !== 'system');
    const tail = messages.filter((m) => m.role !== 'system').slice(-kept.length);
    expect(kept).toEqual(tail);
    expect(kept[0]?.role).not.toBe('tool');
  });

  it('never starts on a tool result, whatever the window', () => {
    const messages = conversation(30);
    for (let max = 300; max <= 3000; max += 97) {
      const fitted = fitMessagesToWindow(messages, { maxPromptTokens: max });
      expectPaired(fitted.messages);
      expect(fitted.messages.find((m) => m.role !== 'system')?.role).not.toBe('tool');
      if (fitted.fits) expect(fitted.tokens).toBeLessThanOrEqual(max);
    }
  });

  it('returns the messages as they are when they fit', () => {
    const messages = conversation(3);
    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 100_000 });
    expect(fitted).toMatchObject({ messages, dropped: 0, shortened: 0, fits: true });
  });

  it('can leave the note out', () => {
    const fitted = fitMessagesToWindow(conversation(50), { maxPromptTokens: 600, noteTrimmed: false });
    expect(fitted.messages.filter((m) => m.role === 'system')).toEqual([SYSTEM, TASK]);
  });

  it('shortens the current turn, tool results first, when even it does not fit', () => {
    const messages: ChatMessage[] = [
      SYSTEM,
      { role: 'user', content: 'old question' },
      { role: 'assistant', content: 'old answer' },
      { role: 'user', content: 'Summarise the transcript.' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'read_transcript', arguments: '{}' }] },
      { role: 'tool', tool_call_id: 'c1', content: 'transcript line. '.repeat(3000) },
    ];

    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 800 });

    expect(fitted.fits).toBe(true);
    expect(fitted.shortened).toBe(1);
    expectPaired(fitted.messages);
    expect(fitted.messages.at(-3)).toEqual({ role: 'user', content: 'Summarise the transcript.' });
    expect((fitted.messages.at(-1) as { content: string }).content).toMatch(/cut to fit the context window\]$/);
  });

  it('says so when the system messages alone do not fit', () => {
    const fitted = fitMessagesToWindow([{ role: 'system', content: 'rule. '.repeat(500) }, { role: 'user', content: 'hi' }], { maxPromptTokens: 100 });
    expect(fitted.fits).toBe(false);
  });
});

describe('pinned messages', () => {
  const INSTRUCTIONS: ChatMessage = { role: 'user', content: "[renter's pre-loaded instructions] Compare the three vendor proposals and rank them." };
  const pin = (message: ChatMessage) => message === INSTRUCTIONS || message.content.startsWith("[renter's pre-loaded instructions] ");
  /** The system prompt, the instructions, then a long conversation with tool calls, then the turn's task. */
  const withInstructions = (turns: number, instructions: ChatMessage = INSTRUCTIONS) => {
    const rest = conversation(turns);
    return [rest[0]!, instructions, ...rest.slice(1)];
  };

  it('keeps a pinned message and trims the turns after it instead', () => {
    const messages = withInstructions(200);

    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 1500, pin });

    expect(fitted.fits).toBe(true);
    expect(fitted.tokens).toBeLessThanOrEqual(1500);
    expectPaired(fitted.messages);
    expect(fitted.messages[0]).toEqual(SYSTEM);
    expect(fitted.messages[1]).toEqual(INSTRUCTIONS);
    // The gap is after the instructions, and the note says so there.
    expect(fitted.messages[2]).toMatchObject({ role: 'system', content: expect.stringContaining('earlier messages were left out') });
    expect(fitted.messages.at(-1)).toEqual(TASK);
    const kept = fitted.messages.slice(3).filter((m) => m.role !== 'system');
    expect(kept).toEqual(messages.filter((m) => m.role !== 'system').slice(-kept.length));
    expect(kept[0]?.role).not.toBe('tool');
    expect(fitted.dropped).toBeGreaterThan(500);
    // Without the pin, the instructions are the first thing to go.
    expect(fitMessagesToWindow(messages, { maxPromptTokens: 1500 }).messages).not.toContainEqual(INSTRUCTIONS);
  });

  it('keeps a pinned message when it is the only user message (autonomous work steps)', () => {
    const steps: ChatMessage[] = Array.from({ length: 80 }, (_, i) => ({ role: 'assistant', content: `Step ${i}: ${'did some work. '.repeat(12)}` }));
    const messages: ChatMessage[] = [SYSTEM, INSTRUCTIONS, ...steps, TASK];

    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 700, pin });

    expect(fitted.fits).toBe(true);
    expect(fitted.messages.slice(0, 2)).toEqual([SYSTEM, INSTRUCTIONS]);
    expect(fitted.messages.at(-2)).toEqual(steps.at(-1));
    expect(fitted.messages.filter((m) => m.role === 'assistant').length).toBeLessThan(steps.length);
  });

  it('caps pinned instructions that alone are too big, with a marker, and keeps the current turn whole', () => {
    const huge: ChatMessage = { role: 'user', content: `[renter's pre-loaded instructions] ${'Check every clause of the contract. '.repeat(2000)}` };
    const question: ChatMessage = { role: 'user', content: '[renter] Which clause is the riskiest?' };
    const messages: ChatMessage[] = [SYSTEM, huge, { role: 'assistant', content: 'Plan: read, then rank.' }, question, TASK];

    const fitted = fitMessagesToWindow(messages, { maxPromptTokens: 800, pin });

    expect(fitted.fits).toBe(true);
    expect(fitted.tokens).toBeLessThanOrEqual(800);
    const instructions = fitted.messages[1] as { role: string; content: string };
    expect(instructions.role).toBe('user');
    expect(instructions.content.startsWith("[renter's pre-loaded instructions] Check every clause")).toBe(true);
    expect(instructions.content).toMatch(/\[…the rest of this message was cut to fit the context window\]$/);
    expect(instructions.content.length).toBeLessThan(huge.content.length);
    expect(fitted.messages).toContainEqual(question);
    expect(fitted.messages.at(-1)).toEqual(TASK);
    expect(fitted.shortened).toBe(1);
  });

  it('leaves the current turn at least half the room when pinned instructions are huge', () => {
    const huge: ChatMessage = { role: 'user', content: `[renter's pre-loaded instructions] ${'Read all of it. '.repeat(3000)}` };
    const current: ChatMessage[] = [
      { role: 'user', content: '[renter] Summarise the transcript.' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', name: 'read_transcript', arguments: '{}' }] },
      { role: 'tool', tool_call_id: 'c1', content: 'transcript line. '.repeat(3000) },
    ];

    const fitted = fitMessagesToWindow([SYSTEM, huge, ...current], { maxPromptTokens: 1000, pin });

    expect(fitted.fits).toBe(true);
    expectPaired(fitted.messages);
    expect(fitted.messages[1]!.content).toMatch(/cut to fit the context window\]$/);
    expect(fitted.messages).toContainEqual(current[0]);
    const toolResult = fitted.messages.find((m) => m.role === 'tool')!;
    expect(messageTokens(toolResult)).toBeGreaterThan(200);
    expect(fitted.shortened).toBe(2);
  });

  it('keeps every tool result paired and the pinned message present, whatever the window', () => {
    const messages = withInstructions(30);
    for (let max = 300; max <= 3000; max += 97) {
      const fitted = fitMessagesToWindow(messages, { maxPromptTokens: max, pin });
      expectPaired(fitted.messages);
      expect(fitted.messages[1]).toEqual(INSTRUCTIONS);
      expect(fitted.messages.slice(2).find((m) => m.role !== 'system')?.role).not.toBe('tool');
      if (fitted.fits) expect(fitted.tokens).toBeLessThanOrEqual(max);
    }
  });

  it('is what windowFitter does with a pin', () => {
    const fit = windowFitter({ contextWindow: 2000, maxTokens: 500, pin });
    const fitted = fit(withInstructions(100));
    expect(conversationTokens(fitted)).toBeLessThanOrEqual(1500);
    expect(fitted[1]).toEqual(INSTRUCTIONS);
    expectPaired(fitted);
  });
});

describe('pairToolMessages', () => {
  it('drops results without their call and calls without their result', () => {
    const messages: ChatMessage[] = [
      { role: 'tool', tool_call_id: 'orphan', content: 'x' },
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: 'checking',
        tool_calls: [
          { id: 'a', name: 't', arguments: '{}' },
          { id: 'b', name: 't', arguments: '{}' },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'ra' },
      { role: 'tool', tool_call_id: 'zzz', content: 'stray' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c', name: 't', arguments: '{}' }] },
      { role: 'user', content: 'next' },
      { role: 'tool', tool_call_id: 'c', content: 'late' },
    ];

    expect(pairToolMessages(messages)).toEqual([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: 'checking', tool_calls: [{ id: 'a', name: 't', arguments: '{}' }] },
      { role: 'tool', tool_call_id: 'a', content: 'ra' },
      { role: 'user', content: 'next' },
    ]);
  });
});

describe('windows and budgets', () => {
  it('knows common models by prefix, takes overrides, and is conservative otherwise', () => {
    expect(contextWindowFor('gpt-4o-mini-2024-07-18')).toBe(128_000);
    expect(contextWindowFor('gpt-4.1-mini')).toBe(1_047_576);
    expect(contextWindowFor('gpt-4')).toBe(8_192);
    expect(contextWindowFor('llama3.1:8b')).toBe(8_192);
    expect(contextWindowFor('llama3.1:8b', { 'llama3.1': 32_768 })).toBe(32_768);
  });

  it('leaves room for the answer and the tool definitions', () => {
    const tools = [{ name: 'time_left', description: 'How much time is left.', parameters: { type: 'object', properties: {} } }];
    const budget = promptBudget({ contextWindow: 8192, maxTokens: 1024, tools });
    expect(budget).toBeLessThan(8192 - 1024);
    expect(budget).toBeGreaterThan(8192 - 1024 - 100);
  });

  it('truncates text to a token count', () => {
    const cut = truncateToTokens('word '.repeat(1000), 50);
    expect(defaultTokenCounter.count(cut)).toBeLessThanOrEqual(50);
    expect(cut.length).toBeGreaterThan(100);
  });
});

describe('windowFitter', () => {
  it('fits to the window less the answer cap', () => {
    const fit = windowFitter({ contextWindow: 2000, maxTokens: 500 });
    const fitted = fit(conversation(100));
    expect(conversationTokens(fitted)).toBeLessThanOrEqual(1500);
    expectPaired(fitted);
  });
});
