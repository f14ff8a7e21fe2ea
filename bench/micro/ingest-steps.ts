/**
 * The JavaScript steps of one webhook's ingest, each timed on its own in this process (µs per
 * call, after a warm-up): where the time goes besides SQLite and Node's HTTP stack.
 *   npx tsx bench/micro/ingest-steps.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import type { Bot } from '../../src/config/bot-config.js';
import { classifyWebhook } from '../../src/ingress/classify-webhook.js';
import { settleAtIngest } from '../../src/ingress/settle-at-ingest.js';
import { StandardEnvelopeSchema } from '../../src/ingress/webhook-shapes.js';
import { createLogger } from '../../src/logging/create-logger.js';
import { ROOT } from '../lib/child.js';

const fixture = (name: string) => JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'platform', name), 'utf8'));
const liked = fixture('post_liked.json');
const copy = fixture('bot_rental_message.json');
const bot = { profileId: liked.data.user_id, ownerId: undefined, events: {} } as unknown as Bot;
const copyBot = { ...bot, profileId: copy.data.bot_id } as Bot;
const log = createLogger({ level: 'info', destination: pino.destination({ dest: '/dev/null', sync: true }) });

function time(label: string, fn: () => unknown, calls = 100_000): void {
  for (let i = 0; i < 2000; i++) fn();
  const started = performance.now();
  for (let i = 0; i < calls; i++) fn();
  process.stdout.write(`| ${label} | ${(((performance.now() - started) * 1000) / calls).toFixed(2)} |\n`);
}

const raw = JSON.stringify(liked);
const accepted = classifyWebhook(liked, bot);
const settled = settleAtIngest(bot, accepted, liked)!;
process.stdout.write('| step | µs per call |\n|---|---|\n');
time('JSON.parse of post_liked', () => JSON.parse(raw));
time('envelope validation (zod)', () => StandardEnvelopeSchema.parse(liked));
time('classify post_liked (validation included)', () => classifyWebhook(liked, bot));
time('classify an owner copy', () => classifyWebhook(copy, copyBot));
time('event policy (settle at ingest)', () => settleAtIngest(bot, accepted, liked));
time('the "event logged" line, redaction included', () => log.info({ bot: 'b', event: 'post_liked', fields: settled.logged!.fields }, 'event logged'));
