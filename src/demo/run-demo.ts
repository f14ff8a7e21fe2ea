/**
 * `npm run demo`: the example bots in agents/ run on a real host against the local AgentsAccess
 * emulator, which delivers real-shaped webhooks: a rental from request to end, a DM, an owner
 * message, a duplicate delivery and an out-of-order pair. The chat is printed as it happens.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { parseEnv } from '../config/env.js';
import { listBotFiles, loadBots, parseBotFile } from '../config/load-bots.js';
import { createLogger } from '../logging/create-logger.js';
import { startHost, type Host } from '../server.js';
import { startSim } from '../sim/index.js';
import { createConversationPrinter } from './conversation-printer.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

export async function runDemo(args: string[]): Promise<void> {
  const agentsDir = resolve(process.env.AGENTS_DIR ?? 'agents');
  const workDir = mkdtempSync(join(tmpdir(), 'aa-host-demo-'));
  // Fresh secrets for the example bots, known to both the emulator and the host.
  const secretsEnv: Record<string, string | undefined> = { ...process.env };
  for (const config of listBotFiles(agentsDir).map(parseBotFile)) {
    secretsEnv[config.api_key_env] = `aa_${randomBytes(32).toString('hex')}`;
    secretsEnv[config.webhook_token_env] = randomBytes(24).toString('hex');
  }
  const bots = loadBots({ agentsDir, env: secretsEnv, defaultModel: process.env.LLM_MODEL ?? 'gpt-4o-mini' });
  const timeScale = args.includes('--real-time') ? 1 : 0.05;
  const sim = await startSim({ timeScale });
  const logFile = join(workDir, 'aa-host.log');
  const env = parseEnv({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    AGENTS_DIR: agentsDir,
    DATABASE_URL: `sqlite:${join(workDir, 'aa-host.db')}`,
    AGENTSACCESS_API: sim.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  const log = createLogger({ level: env.LOG_LEVEL, destination: pino.destination({ dest: logFile, sync: true }) });
  const llm = env.OPENAI_BASE_URL ?? (env.OPENAI_API_KEY ? 'OpenAI' : undefined);

  say('aa-host demo');
  say(`  emulator:  ${sim.url} (webhook delays ×${timeScale})`);
  say(`  model:     ${llm ? `${env.LLM_MODEL} at ${llm}` : 'none configured: bots answer with the fallback replies in their files (set OPENAI_API_KEY or OPENAI_BASE_URL for real answers)'}`);
  say(`  host log:  ${logFile}`);

  let host: Host | undefined;
  const printer = createConversationPrinter(sim, say);
  try {
    host = await startHost({ env, secretsEnv, log });
    say(`  host:      ${host.url} with bots ${bots.map((b) => b.name).join(', ')}\n`);
    const ownerId = bots[0]!.ownerId ?? randomUUID();
    sim.createHuman({ username: 'owner_01', displayName: 'Owner One', id: ownerId });
    const renter = sim.createHuman({ username: 'renter_01', displayName: 'Renter One' });
    const renter2 = sim.createHuman({ username: 'renter_02', displayName: 'Renter Two' });
    const buyer = sim.createHuman({ username: 'buyer_01', displayName: 'Buyer One' });
    for (const bot of bots) {
      sim.createBot({ ownerId: bot.ownerId ?? ownerId, username: bot.name, id: bot.profileId, apiKey: bot.secrets.apiKey });
      sim.setWebhookUrl(bot.profileId, `${host.url}/webhooks/${bot.secrets.webhookToken}`);
    }
    // Research Helper answers the research questions below; any other bot takes the code question.
    const first = bots.find((b) => b.name === 'research-helper') ?? bots[0]!;
    const second = bots.find((b) => b !== first) ?? first;
    const botId = first.profileId;
    const step = (text: string) => {
      printer.flush();
      say(text);
    };
    const replies = (rentalId: string) => sim.rentalMessages(rentalId).filter((m) => m.sender_id === botId).length;

    step(`1. @renter_01 rents ${first.name} for 15 minutes (a direct rental: the webhook carries no expiry)`);
    const rental = sim.startRental({ botId, renterId: renter.id, minutes: 15 });
    printer.watch({ kind: 'rental', id: rental.id, label: `rental ${first.name}` });
    await until(`${first.name}'s greeting`, () => replies(rental.id) >= 1);

    step('2. The renter asks two questions');
    for (const [n, question] of [
      'What are the main differences between dense and sparse retrieval?',
      'Which would you pick for 2 million support articles, and why?',
    ].entries()) {
      sim.postRentalMessage({ rentalId: rental.id, senderId: renter.id, content: question });
      await until(`the answer to question ${n + 1}`, () => replies(rental.id) >= n + 2);
    }

    step('3. The owner writes in the rental chat (the bot tells owner from renter by sender_id)');
    sim.postRentalMessage({ rentalId: rental.id, senderId: ownerId, content: 'Please keep answers under 100 words for this renter.' });
    await until('the answer to the owner', () => replies(rental.id) >= 4);

    step('4. The platform delivers the last message again (at-least-once delivery)');
    await sim.waitForDeliveries();
    const last = sim.deliveries.filter((d) => d.event === 'rental_message' && d.url.includes(first.secrets.webhookToken)).at(-1)!;
    const again = await fetch(last.url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: last.body });
    say(`   host answered ${again.status} ${await again.text()}: stored once, answered once`);

    step(`5. Out of order: @renter_02 rents ${second.name}; the rental_request's first delivery fails, so the first chat message arrives first`);
    sim.faults.dropFirst = 1;
    const rental2 = sim.startRental({ botId: second.profileId, renterId: renter2.id, minutes: 15 });
    await until('the lost first attempt', () => sim.deliveries.some((d) => d.event === 'rental_request' && d.url.includes(second.secrets.webhookToken)));
    sim.faults.dropFirst = 0;
    printer.watch({ kind: 'rental', id: rental2.id, label: `rental ${second.name}` });
    sim.postRentalMessage({ rentalId: rental2.id, senderId: renter2.id, content: 'Is `if (user = admin)` in my login check a problem?' });
    await sim.waitForDeliveries();
    const arrival = sim.deliveries.filter((d) => d.url.includes(second.secrets.webhookToken) && d.status === 200).map((d) => d.event);
    say(`   arrival order at the host: ${arrival.join(' → ')}`);
    await until(`${second.name}'s answer`, () => sim.rentalMessages(rental2.id).some((m) => m.sender_id === second.profileId));

    step(`6. @buyer_01 sends ${first.name} a direct message (the reply is POST /api/messages with to_id)`);
    const dm = sim.sendDm({ fromId: buyer.id, toId: botId, content: 'Hi! Could you do a short literature summary on RAG by Friday?' });
    printer.watch({ kind: 'dm', id: dm.conversationId, label: 'DM' });
    await until('the DM reply', () => sim.dmMessages(dm.conversationId).length >= 2);

    step(`7. The owner messages ${first.name} in the owner chat`);
    printer.watch({ kind: 'owner', id: botId, label: 'owner chat' });
    sim.sendOwnerMessage({ botId, content: 'How is the current rental going?' });
    await until('the owner chat reply', () => sim.ownerChat(botId).length >= 2);

    step('8. The renters end their rentals (rental_ended); nothing is posted to an ended rental');
    const before = replies(rental.id);
    sim.endRental({ rentalId: rental.id, byId: renter.id });
    sim.endRental({ rentalId: rental2.id, byId: renter2.id });
    await sim.waitForDeliveries();
    await host.runtime.whenIdle();
    printer.stop();

    const refused = sim.requests.filter((r) => r.status >= 400 && r.profileId !== undefined).length;
    say('\nSummary');
    say(`  ${first.name}: ${replies(rental.id)} messages in its rental (greeting + one per renter/owner message), ${replies(rental.id) - before} after the end`);
    say(`  webhooks delivered: ${sim.deliveries.length}; bot API calls: ${sim.requests.length} (${refused} refused)`);
    const inbox = host.stores.db.prepare(`SELECT status, count(*) AS n FROM inbox GROUP BY status`).all() as { status: string; n: number }[];
    say(`  host inbox: ${inbox.map((r) => `${r.n} ${r.status}`).join(', ')}`);
  } finally {
    printer.stop();
    await host?.stop(3000);
    await sim.close();
  }
}

/** Waits for a condition, saying what it waits for when it takes a while. */
async function until(what: string, check: () => boolean, timeoutMs = 180_000): Promise<void> {
  const started = Date.now();
  let told = false;
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`demo: gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    if (!told && Date.now() - started > 3000) {
      process.stdout.write(`   … waiting for ${what}\n`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}


