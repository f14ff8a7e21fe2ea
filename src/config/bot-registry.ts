/** The bots this host runs, found by profile id or by the secret token of their webhook URL. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Bot } from './bot-config.js';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

export function createBotRegistry(bots: readonly Bot[]) {
  const byId = new Map(bots.map((bot) => [bot.profileId, bot]));
  const tokenDigests = bots.map((bot) => ({ bot, digest: digest(bot.secrets.webhookToken) }));
  return {
    all: bots,
    byId(profileId: string): Bot | undefined {
      return byId.get(profileId);
    },
    /**
     * Compares the token's SHA-256 with every bot's in constant time and without stopping
     * early, so response timing says nothing about how much of a guess was right.
     */
    byToken(token: string): Bot | undefined {
      const candidate = digest(token);
      let found: Bot | undefined;
      for (const entry of tokenDigests) {
        if (timingSafeEqual(candidate, entry.digest)) found = entry.bot;
      }
      return found;
    },
  };
}
export type BotRegistry = ReturnType<typeof createBotRegistry>;
