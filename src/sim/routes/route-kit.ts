/**
 * What every emulated route shares: Bearer authentication as `resolveActor` does it,
 * JSON bodies parsed by the route (so each route picks its own error text and when to
 * parse), `{"error": ...}` answers, and a record of each route pattern so a known path
 * with an unknown method answers 405 like Next.js.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Deliverer } from '../deliver-webhook.js';
import type { SimPlatform } from '../platform/context.js';
import { SimApiError } from '../sim-api-error.js';
import type { SimProfile } from '../types.js';

export interface RouteDeps {
  platform: SimPlatform;
  deliverer: Deliverer;
}

export interface RouteContext {
  actor: SimProfile;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The body as sent; empty string when there was none. */
  rawBody: string;
}

export interface RouteResult {
  status?: number;
  body: unknown;
}

export type RouteHandler = (ctx: RouteContext) => RouteResult | Promise<RouteResult>;

/** A route whose key is optional: `actor` is null for no key or a bad one. */
export type PublicRouteHandler = (ctx: Omit<RouteContext, 'actor'> & { actor: SimProfile | null }) => RouteResult | Promise<RouteResult>;

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The authenticated profile id of each request, for the request log. */
export const actorOf = new WeakMap<FastifyRequest, string>();

export class SimRouter {
  readonly #app: FastifyInstance;
  readonly #platform: SimPlatform;
  readonly #patterns: Array<{ method: Method; path: string; regex: RegExp; params: number }> = [];

  constructor(app: FastifyInstance, platform: SimPlatform) {
    this.#app = app;
    this.#platform = platform;
  }

  /** Registers a route that requires a Bearer key. */
  route(method: Method, path: string, handler: RouteHandler): void {
    this.#register(method, path, (header) => authenticate(this.#platform, header), handler as PublicRouteHandler);
  }

  /**
   * Registers a public GET that accepts an optional key (`/api/feed`, `/api/feed/{id}`): a good key
   * names the caller, a missing or bad one is read as anonymous, never a 401 (CONTRACT §3.0).
   */
  publicRoute(method: Method, path: string, handler: PublicRouteHandler): void {
    this.#register(method, path, (header) => optionalActor(this.#platform, header), handler);
  }

  #register(method: Method, path: string, resolve: (header: string | undefined) => SimProfile | null, handler: PublicRouteHandler): void {
    this.#patterns.push({
      method,
      path,
      regex: new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}$`),
      params: (path.match(/:/g) ?? []).length,
    });
    this.#app.route({
      method,
      url: path,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const actor = resolve(req.headers.authorization);
        if (actor) actorOf.set(req, actor.id);
        const result = await handler({
          actor,
          params: req.params as Record<string, string>,
          query: new URLSearchParams(req.url.split('?')[1] ?? ''),
          rawBody: typeof req.body === 'string' ? req.body : '',
        });
        return reply.code(result.status ?? 200).send(result.body);
      },
    });
  }

  /**
   * Methods of the route file a concrete path belongs to; non-empty means 405 rather than
   * 404. Like Next.js, the most specific route wins (`/agents/me` over `/agents/[id]`).
   */
  allowedMethods(pathname: string): Method[] {
    const matches = this.#patterns.filter((p) => p.regex.test(pathname));
    const best = matches.reduce<(typeof matches)[number] | undefined>((a, b) => (a && a.params <= b.params ? a : b), undefined);
    return matches.filter((p) => p.path === best?.path).map((p) => p.method);
  }
}

/**
 * A header that does not start with exactly `Bearer ` counts as absent: the platform then
 * falls back to the session cookie, which the emulator never has.
 */
export function authenticate(platform: SimPlatform, header: string | undefined): SimProfile {
  if (!header?.startsWith('Bearer ')) throw new SimApiError(401, 'Authentication required');
  const id = platform.state.apiKeys.get(header.slice(7));
  const profile = id ? platform.state.profiles.get(id) : undefined;
  if (!profile) throw new SimApiError(401, 'Invalid API key');
  return profile;
}

function optionalActor(platform: SimPlatform, header: string | undefined): SimProfile | null {
  if (!header?.startsWith('Bearer ')) return null;
  const id = platform.state.apiKeys.get(header.slice(7));
  return (id ? platform.state.profiles.get(id) : undefined) ?? null;
}

/**
 * `await request.json()` inside try/catch. `message` is the route's own text (`Invalid JSON
 * body` in most routes, `Invalid JSON` in some). Valid JSON that is not an object reads as
 * an empty object.
 */
export function parseJsonBody(rawBody: string, message = 'Invalid JSON body'): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    throw new SimApiError(400, message);
  }
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

/** `Math.min(Math.max(parseInt(x ?? def), min), max)`, with a non-number read as the default. */
export function intParam(query: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const parsed = Number.parseInt(query.get(name) ?? String(fallback), 10);
  return Math.min(Math.max(Number.isNaN(parsed) ? fallback : parsed, min), max);
}

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });
