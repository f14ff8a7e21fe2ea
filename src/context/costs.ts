/**
 * What a model call costs, from its token usage and a price table (USD per million tokens). Pure: recording
 * the records (per rental, per bot, per day) and enforcing budgets is the runtime's job.
 */
import { z } from 'zod';

export const ModelPriceSchema = z
  .object({
    /** USD per million prompt tokens. */
    input_per_mtok: z.number().min(0),
    /** USD per million completion tokens. */
    output_per_mtok: z.number().min(0),
  })
  .strict();
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** Model name or name prefix → price. The longest matching prefix wins, so a dated snapshot finds its family. */
export const PriceTableSchema = z.record(z.string().min(1), ModelPriceSchema);
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * OpenAI list prices (standard tier) at the time of writing; override or extend per host, and price local
 * models at 0 explicitly. A model with no price is reported as unpriced, never silently free.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gpt-4o-mini': { input_per_mtok: 0.15, output_per_mtok: 0.6 },
  'gpt-4o': { input_per_mtok: 2.5, output_per_mtok: 10 },
  'gpt-4.1-nano': { input_per_mtok: 0.1, output_per_mtok: 0.4 },
  'gpt-4.1-mini': { input_per_mtok: 0.4, output_per_mtok: 1.6 },
  'gpt-4.1': { input_per_mtok: 2, output_per_mtok: 8 },
  'o4-mini': { input_per_mtok: 1.1, output_per_mtok: 4.4 },
};

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface CallCost {
  costUsd: number;
  /** False when the table has no price for the model: costUsd is 0 then, and a budget cannot see it. */
  priced: boolean;
}

/** The price of `model`: an exact entry, else the longest prefix followed by `-`, `:` or `@`. */
export function priceFor(model: string, table: PriceTable = DEFAULT_PRICES): ModelPrice | undefined {
  const exact = table[model];
  if (exact) return exact;
  const prefix = Object.keys(table)
    .filter((key) => ['-', ':', '@'].some((sep) => model.startsWith(`${key}${sep}`)))
    .sort((a, b) => b.length - a.length)[0];
  return prefix === undefined ? undefined : table[prefix];
}

export function costOfCall(model: string, usage: Usage, table: PriceTable = DEFAULT_PRICES): CallCost {
  const price = priceFor(model, table);
  if (!price) return { costUsd: 0, priced: false };
  const cost = (usage.promptTokens * price.input_per_mtok + usage.completionTokens * price.output_per_mtok) / 1_000_000;
  // Rounded to a millionth of a cent so sums of many calls stay exact enough to compare with a budget.
  return { costUsd: Math.round(cost * 1e8) / 1e8, priced: true };
}

/** One model call, as the runtime records it (one row per call). */
export interface LlmCostRecord {
  botId: string;
  /** `rental:<bot>:<rental>`, `dm:<bot>:<conversation>`, `owner:<bot>`. */
  actorKey: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  priced: boolean;
  /** ISO time of the call. */
  at: string;
}

export function costRecord(
  input: { botId: string; actorKey: string; model: string; usage: Usage | undefined; at: string },
  table: PriceTable = DEFAULT_PRICES,
): LlmCostRecord {
  const usage = input.usage ?? { promptTokens: 0, completionTokens: 0 };
  const { costUsd, priced } = costOfCall(input.model, usage, table);
  return {
    botId: input.botId,
    actorKey: input.actorKey,
    model: input.model,
    promptTokens: usage.promptTokens,
    completionTokens: usage.completionTokens,
    costUsd,
    priced,
    at: input.at,
  };
}

/** Sums of records (e.g. one rental's, or one bot's for one UTC day: filter first). */
export function sumCosts(records: readonly LlmCostRecord[]): { promptTokens: number; completionTokens: number; costUsd: number; calls: number } {
  const total = records.reduce(
    (sum, r) => ({
      promptTokens: sum.promptTokens + r.promptTokens,
      completionTokens: sum.completionTokens + r.completionTokens,
      costUsd: sum.costUsd + r.costUsd,
      calls: sum.calls + 1,
    }),
    { promptTokens: 0, completionTokens: 0, costUsd: 0, calls: 0 },
  );
  return { ...total, costUsd: Math.round(total.costUsd * 1e8) / 1e8 };
}

/** The UTC day of an ISO time (`2026-05-04`), the key of a daily budget: the platform's days are UTC too. */
export function utcDay(at: string): string {
  return new Date(at).toISOString().slice(0, 10);
}
