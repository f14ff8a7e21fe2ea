import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Bot } from '../../src/config/bot-config.js';
import { createBotQueues, PRIORITY } from '../../src/queue/bot-queues.js';

const bot = (id: string, concurrency = 1): Bot =>
  ({ profileId: id, name: id, limits: { llm_concurrency: concurrency, llm_requests_per_minute: 100, platform_requests_per_minute: 100 } }) as Bot;

describe('LLM queues', () => {
  it('runs a waiting rental turn before waiting DM turns', async () => {
    const queues = createBotQueues({ hostLlmConcurrency: 1 });
    const a = bot('a', 4);
    const order: string[] = [];
    let release!: () => void;
    const blocker = queues.runLlm(a, PRIORITY.conversation, () => new Promise<void>((resolve) => (release = resolve)));
    const dm1 = queues.runLlm(a, PRIORITY.conversation, async () => void order.push('dm1'));
    const dm2 = queues.runLlm(a, PRIORITY.conversation, async () => void order.push('dm2'));
    const rental = queues.runLlm(a, PRIORITY.rental, async () => void order.push('rental'));
    await new Promise((r) => setTimeout(r, 10));
    release();
    await Promise.all([blocker, dm1, dm2, rental]);
    expect(order).toEqual(['rental', 'dm1', 'dm2']);
  });

  it("holds each bot to its own concurrency under the host-wide cap", async () => {
    const queues = createBotQueues({ hostLlmConcurrency: 3 });
    const limited = bot('limited', 1);
    let running = 0;
    let peak = 0;
    const task = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    };
    await Promise.all(Array.from({ length: 5 }, () => queues.runLlm(limited, PRIORITY.rental, task)));
    expect(peak).toBe(1);

    let hostRunning = 0;
    let hostPeak = 0;
    const hostTask = async () => {
      hostRunning++;
      hostPeak = Math.max(hostPeak, hostRunning);
      await new Promise((r) => setTimeout(r, 5));
      hostRunning--;
    };
    await Promise.all(['b1', 'b2', 'b3', 'b4', 'b5'].flatMap((id) => [0, 1].map(() => queues.runLlm(bot(id, 2), PRIORITY.rental, hostTask))));
    expect(hostPeak).toBe(3);
  });
});

describe('host-wide requests per minute', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts at most the cap in any rolling minute across 50 bots, and the full cap every minute under overload', async () => {
    vi.useFakeTimers();
    const queues = createBotQueues({ hostLlmConcurrency: 8, hostLlmRequestsPerMinute: 60 });
    const bots = Array.from({ length: 50 }, (_, i) => bot(`bot-${i}`, 2));
    const t0 = Date.now();
    const starts: number[] = [];
    const calls = bots.flatMap((b) => Array.from({ length: 4 }, () => queues.runLlm(b, PRIORITY.rental, async () => void starts.push(Date.now() - t0))));
    expect(calls).toHaveLength(200);

    await vi.advanceTimersByTimeAsync(3 * 61_000 + 500);
    expect(starts).toHaveLength(200);
    const mostInAnyMinute = Math.max(...starts.map((start) => starts.filter((t) => t >= start && t < start + 60_000).length));
    expect(mostInAnyMinute).toBe(60);
    // Each minute (plus the 1 s margin for network delay) starts a full 60: nothing of the cap is left unused.
    expect([0, 1, 2].map((m) => starts.filter((t) => t >= m * 61_000 && t < (m + 1) * 61_000).length)).toEqual([60, 60, 60]);
    await Promise.all(calls);
  });

  it('counts a model call against the cap from when its HTTP request is sent, not from its admission', async () => {
    vi.useFakeTimers();
    const queues = createBotQueues({ hostLlmConcurrency: 8, hostLlmRequestsPerMinute: 1 });
    const sent: number[] = [];
    const t0 = Date.now();
    const fetchSpy = queues.llmFetch(async () => {
      sent.push(Date.now() - t0);
      return new Response('{}');
    });
    // The first call spends 5 s between admission and its request (say, the client's first-use set-up).
    const slow = queues.runLlm(bot('a'), PRIORITY.rental, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return fetchSpy('http://127.0.0.1/v1/chat/completions');
    });
    const next = queues.runLlm(bot('b'), PRIORITY.rental, () => fetchSpy('http://127.0.0.1/v1/chat/completions'));
    await vi.advanceTimersByTimeAsync(70_000);
    await Promise.all([slow, next]);
    // 61 s (the minute and its 1 s margin) after the first request left, not after its admission.
    expect(sent).toEqual([5000, 66_000]);
  });

  it('counts a retried request of the same call as a start of its own', async () => {
    vi.useFakeTimers();
    const queues = createBotQueues({ hostLlmConcurrency: 8, hostLlmRequestsPerMinute: 2 });
    const sent: number[] = [];
    const t0 = Date.now();
    const fetchSpy = queues.llmFetch(async () => {
      sent.push(Date.now() - t0);
      return new Response('{}');
    });
    // The SDK's retry: one call, two HTTP requests.
    const retried = queues.runLlm(bot('a'), PRIORITY.rental, async () => {
      await fetchSpy('http://127.0.0.1/v1/chat/completions');
      return fetchSpy('http://127.0.0.1/v1/chat/completions');
    });
    const next = queues.runLlm(bot('b'), PRIORITY.rental, () => fetchSpy('http://127.0.0.1/v1/chat/completions'));
    await vi.advanceTimersByTimeAsync(70_000);
    await Promise.all([retried, next]);
    // Two requests fill the cap of 2; the third waits for the minute (and its 1 s margin).
    expect(sent).toEqual([0, 0, 61_000]);
  });

  it('has no per-minute cap unless one is set', async () => {
    const queues = createBotQueues({ hostLlmConcurrency: 4 });
    let started = 0;
    await Promise.all(Array.from({ length: 100 }, (_, i) => queues.runLlm(bot(`b${i % 10}`, 2), PRIORITY.rental, async () => void started++)));
    expect(started).toBe(100);
  });
});
