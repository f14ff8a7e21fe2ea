/**
 * POST /webhooks/<token>: authenticate by the token in the URL, check the shape and the
 * recipient, commit to SQLite, answer. The answer never waits for the model or the platform.
 * The route owns its body parsing (raw text, 1 MiB) so refused bodies can be kept verbatim.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { BotRegistry } from '../../config/bot-registry.js';
import { WebhookRejectedError } from '../../errors.js';
import { classifyWebhook } from '../../ingress/classify-webhook.js';
import { isKnownEvent } from '../../ingress/known-events.js';
import { createInboxCommitQueue } from '../../ingress/inbox-commit-queue.js';
import { settleAtIngest } from '../../ingress/settle-at-ingest.js';
import { inboxRowFor, needsActor } from '../../ingress/store-webhook.js';
import { failpoint } from '../../runtime/failpoints.js';
import type { HostRuntime } from '../../runtime/host-runtime.js';
import type { Stores } from '../../runtime/stores.js';
import type { Clock } from '../../time.js';
import { isoNow } from '../../time.js';

export const WEBHOOK_BODY_LIMIT = 1024 * 1024;
export const WEBHOOK_ROUTE = '/webhooks/:token';

export interface WebhookRouteDeps {
  stores: Stores;
  bots: BotRegistry;
  runtime: HostRuntime;
  clock: Clock;
  log: Logger;
}

export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps): Promise<void> {
  // Concurrent webhooks share one transaction; each is answered only after it has committed.
  const commits = createInboxCommitQueue(deps.stores);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) => done(null, body));

  app.post<{ Params: { token: string } }>(WEBHOOK_ROUTE, { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const bot = deps.bots.byToken(request.params.token);
    if (!bot) return reply.code(404).send({ error: 'unknown webhook URL', code: 'AA_WEBHOOK_UNKNOWN_TOKEN' });
    // Every line names the bot (a per-request child logger would cost more than the line itself).
    const log = request.log;
    const botName = bot.name;
    const raw = typeof request.body === 'string' ? request.body : '';
    const receivedAt = isoNow(deps.clock);

    const refuse = (error: WebhookRejectedError): FastifyReply => {
      try {
        deps.stores.deadLetters.add({ receivedAt, botId: bot.profileId, status: error.status, reason: error.message, details: error.details, rawBody: raw });
      } catch (err) {
        log.error({ bot: botName, err }, 'could not keep the refused body as a dead letter');
      }
      log.warn({ bot: botName, status: error.status, code: error.code, reason: error.message }, 'webhook refused');
      return reply.code(error.status).send({ error: error.message, code: error.code, ...(error.details ? { details: error.details } : {}) });
    };

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(new WebhookRejectedError(400, 'AA_WEBHOOK_NOT_JSON', 'the body is not JSON'));
    }
    let accepted;
    try {
      accepted = classifyWebhook(body, bot);
    } catch (error) {
      if (error instanceof WebhookRejectedError) return refuse(error);
      throw error;
    }

    // An event the bot's policy only logs or ignores is finished as it is stored.
    const settled = settleAtIngest(bot, accepted, body);
    let inserted: boolean;
    try {
      inserted = await commits.insert(inboxRowFor(bot, accepted, raw, receivedAt, undefined, settled));
    } catch (err) {
      // Never 2xx for an event that is not on disk: the platform retries once, 30 s later.
      log.error({ bot: botName, err, event: accepted.event }, 'could not store the webhook; answering 503 so the platform retries');
      return reply.code(503).send({ error: 'the event could not be stored; retry later', code: 'AA_STORE_UNAVAILABLE' });
    }

    failpoint('after-insert-before-ack');
    if (!inserted) {
      log.info({ bot: botName, event: accepted.event, kind: accepted.kind }, 'duplicate webhook acknowledged');
      return reply.code(200).send({ ok: true, duplicate: true });
    }
    if (!isKnownEvent(accepted.event)) log.warn({ bot: botName, event: accepted.event }, 'stored a webhook with an event name the platform is not known to send');
    else if (settled) log.info({ bot: botName, event: accepted.event, ...(settled.logged ? { fields: settled.logged.fields } : {}) }, settled.logged ? `event logged: ${settled.logged.reason}` : `webhook stored and ${settled.note}`);
    else log.info({ bot: botName, event: accepted.event, kind: accepted.kind, actorKey: accepted.actorKey }, 'webhook stored');
    if (!settled && needsActor(accepted)) deps.runtime.accepted(accepted.actorKey);

    if (accepted.kind === 'test') {
      return reply.code(200).send({ ok: true, duplicate: false, bot: bot.name, profile_id: bot.profileId, message: `webhook.test reached bot "${bot.name}"` });
    }
    return reply.code(200).send({ ok: true, duplicate: false });
  });
}
