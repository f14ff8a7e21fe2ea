import { describe, expect, it } from 'vitest';
import { costOfCall, costRecord, DEFAULT_PRICES, priceFor, PriceTableSchema, sumCosts, utcDay } from '../../src/context/costs.js';

describe('costs', () => {
  it('prices a call from its usage, per million tokens', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    expect(costOfCall('gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toEqual({ costUsd: 0.75, priced: true });
    expect(costOfCall('gpt-4o-mini', { promptTokens: 1200, completionTokens: 300 })).toEqual({ costUsd: 0.00036, priced: true });
    expect(costOfCall('gpt-4o', { promptTokens: 0, completionTokens: 0 })).toEqual({ costUsd: 0, priced: true });
  });

  it('finds a dated snapshot by the longest prefix, and reports unknown models as unpriced', () => {
    expect(priceFor('gpt-4o-mini-2024-07-18')).toBe(DEFAULT_PRICES['gpt-4o-mini']);
    expect(priceFor('gpt-4o-2024-11-20')).toBe(DEFAULT_PRICES['gpt-4o']);
    expect(priceFor('gpt-4oops')).toBeUndefined();
    expect(costOfCall('llama3.1:8b', { promptTokens: 5000, completionTokens: 500 })).toEqual({ costUsd: 0, priced: false });
  });

  it('takes a configured table, e.g. a local model at 0 or a custom price', () => {
    const table = PriceTableSchema.parse({
      'llama3.1': { input_per_mtok: 0, output_per_mtok: 0 },
      'my-model': { input_per_mtok: 3, output_per_mtok: 15 },
    });
    expect(costOfCall('llama3.1:8b', { promptTokens: 5000, completionTokens: 500 }, table)).toEqual({ costUsd: 0, priced: true });
    expect(costOfCall('my-model', { promptTokens: 2000, completionTokens: 1000 }, table).costUsd).toBeCloseTo(0.021, 10);
    expect(PriceTableSchema.safeParse({ x: { input_per_mtok: -1, output_per_mtok: 0 } }).success).toBe(false);
  });

  it('builds records that add up per rental and per day', () => {
    const base = { botId: 'bot-1', model: 'gpt-4o-mini' };
    const records = [
      costRecord({ ...base, actorKey: 'rental:bot-1:r1', usage: { promptTokens: 1000, completionTokens: 200 }, at: '2026-05-04T23:59:00.000Z' }),
      costRecord({ ...base, actorKey: 'rental:bot-1:r1', usage: { promptTokens: 3000, completionTokens: 100 }, at: '2026-05-05T00:01:00.000Z' }),
      costRecord({ ...base, actorKey: 'dm:bot-1:c1', usage: undefined, at: '2026-05-05T08:00:00.000Z' }),
    ];
    expect(records[0]).toEqual({
      botId: 'bot-1',
      actorKey: 'rental:bot-1:r1',
      model: 'gpt-4o-mini',
      promptTokens: 1000,
      completionTokens: 200,
      costUsd: 0.00027,
      priced: true,
      at: '2026-05-04T23:59:00.000Z',
    });

    const rental = sumCosts(records.filter((r) => r.actorKey === 'rental:bot-1:r1'));
    expect(rental).toEqual({ promptTokens: 4000, completionTokens: 300, costUsd: 0.00078, calls: 2 });
    const may5 = sumCosts(records.filter((r) => utcDay(r.at) === '2026-05-05'));
    expect(may5).toMatchObject({ promptTokens: 3000, completionTokens: 100, calls: 2 });
    expect(sumCosts([])).toEqual({ promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 });
  });
});
