/** Builds the HTTP app (never listens): routes plus one error handler that keeps 5xx internals private. */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { healthRoutes } from './http/routes/healthz.js';
import { WEBHOOK_ROUTE, webhookRoutes, type WebhookRouteDeps } from './http/routes/webhooks.js';

export interface AppDeps extends WebhookRouteDeps {
  health: () => Record<string, unknown>;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log,
    // Fastify's request lines would carry the URL, and a webhook URL holds the bot's secret
    // token; the onResponse hook below logs the route pattern instead.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    return503OnClosing: true,
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? '(no route)';
    // An acknowledged webhook is logged by its route (stored, duplicate): its request line
    // is debug detail, which keeps ingest at one log line per webhook under load.
    const level = route === WEBHOOK_ROUTE && reply.statusCode < 300 ? 'debug' : 'info';
    request.log[level]({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request done');
  });
  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ error: 'internal error', code: 'AA_INTERNAL' });
    }
    request.log.warn({ code: error.code, status }, error.message);
    const message = status === 413 ? `the body is larger than ${1024 * 1024} bytes` : error.message;
    return reply.code(status).send({ error: message, code: error.code ?? 'AA_BAD_REQUEST' });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: 'not found', code: 'AA_NOT_FOUND' }));

  await app.register(healthRoutes, { health: deps.health });
  await app.register(webhookRoutes, deps);
  return app as unknown as FastifyInstance;
}
