/** GET /healthz: liveness plus the numbers an operator looks at first. */
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance, deps: { health: () => Record<string, unknown> }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));
}
