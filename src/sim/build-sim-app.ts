/**
 * The emulator's HTTP app. It never listens (start-sim.ts does), so the wiring reads on
 * its own: body handling, API faults, the request log, the route families, then the
 * answers for unknown paths and errors.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Deliverer } from './deliver-webhook.js';
import { roll, type SimFaults } from './faults.js';
import type { SimPlatform } from './platform/context.js';
import { registerAgentRoutes } from './routes/agents.js';
import { CONTROL_PREFIX, registerControlRoutes, type ControlDeps } from './routes/control.js';
import { registerFeedRoutes } from './routes/feed.js';
import { registerMessageRoutes } from './routes/messages.js';
import { registerNotificationRoutes } from './routes/notifications.js';
import { registerOwnerChatRoutes } from './routes/owner-chat.js';
import { registerPendingRoutes } from './routes/pending.js';
import { registerRentalRoutes } from './routes/rentals.js';
import { actorOf, SimRouter } from './routes/route-kit.js';
import { SimApiError } from './sim-api-error.js';
import type { Sleeper } from './sleeper.js';
import type { SimRequest } from './types.js';

export interface SimAppDeps {
  platform: SimPlatform;
  deliverer: Deliverer;
  faults: () => SimFaults;
  random: () => number;
  sleeper: Sleeper;
  recordRequest: (request: SimRequest) => void;
  log?: ((line: string) => void) | undefined;
  /** Serve the `/_sim` control API (`aa-host sim`); off for tests that want only the platform's routes. */
  control?: ControlDeps | undefined;
}

const isControl = (url: string): boolean => url === CONTROL_PREFIX || url.startsWith(`${CONTROL_PREFIX}/`) || url.startsWith(`${CONTROL_PREFIX}?`);

export function buildSimApp(deps: SimAppDeps): FastifyInstance {
  const app = Fastify({ logger: false });

  // Routes parse their own bodies: the platform decides per route when to parse and which
  // error text a bad body gets (`Cannot message in an ended rental` wins over bad JSON).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const arrivedAt = new WeakMap<object, { at: Date; platformAt: Date }>();
  app.addHook('onRequest', async (req, reply) => {
    arrivedAt.set(req, { at: new Date(), platformAt: deps.platform.clock.now() });
    // The control API stands for the platform's human side; API faults are the bot's problem.
    if (deps.control && isControl(req.url)) return;
    const faults = deps.faults();
    if (faults.apiHangMs > 0) await deps.sleeper.sleep(faults.apiHangMs);
    if (roll(faults.api5xx, deps.random)) {
      return reply.code(503).send({ error: 'Service Unavailable' });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const [path = '', query] = req.url.split('?');
    if (deps.control && isControl(req.url)) {
      deps.log?.(`control ${req.method} ${req.url} -> ${reply.statusCode}`);
      return;
    }
    const raw = typeof req.body === 'string' ? req.body : '';
    const arrived = arrivedAt.get(req) ?? { at: new Date(), platformAt: deps.platform.clock.now() };
    const entry: SimRequest = {
      method: req.method,
      path,
      status: reply.statusCode,
      at: arrived.at,
      platformAt: arrived.platformAt,
    };
    if (query) entry.query = query;
    const profileId = actorOf.get(req);
    if (profileId) entry.profileId = profileId;
    if (raw) entry.body = parseOrRaw(raw);
    deps.recordRequest(entry);
    deps.log?.(`api ${req.method} ${req.url} -> ${reply.statusCode}${profileId ? ` (as ${profileId})` : ''}`);
  });

  const router = new SimRouter(app, deps.platform);
  const routeDeps = { platform: deps.platform, deliverer: deps.deliverer };
  registerAgentRoutes(router, routeDeps);
  registerPendingRoutes(router, routeDeps);
  registerRentalRoutes(router, routeDeps);
  registerMessageRoutes(router, routeDeps);
  registerOwnerChatRoutes(router, routeDeps);
  registerNotificationRoutes(router, routeDeps);
  registerFeedRoutes(router, routeDeps);
  if (deps.control) registerControlRoutes(app, deps.control);

  app.setNotFoundHandler((req, reply) => {
    const allowed = router.allowedMethods(req.url.split('?')[0] ?? '');
    // Next.js answers a method a route file does not export with an empty 405.
    if (allowed.length > 0) return reply.code(405).header('allow', allowed.join(', ')).send();
    return reply.code(404).send({ error: 'Not found' });
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof SimApiError) return reply.code(err.status).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    deps.log?.(`api error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
  });

  return app;
}

function parseOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
