/**
 * Closed-loop load with Node's own HTTP client: N workers, each sending its next request when
 * the previous one is answered, over a keep-alive agent that opens a new connection whenever the
 * server closes one. For servers that close the connection after every answer (Werkzeug's
 * development server speaks HTTP/1.0), which autocannon does not reconnect promptly: against
 * Flask it measured one answer per connection per run. Far faster than any such server, so it
 * is not the limit; autocannon stays the generator for the fast servers.
 */
import { Agent, request } from 'node:http';
import type { ClosedLoopResult } from './closed-loop.js';
import { summarize } from './stats.js';

export async function closedLoopHttp(options: { url: string; connections: number; durationSec: number; body: () => string }): Promise<ClosedLoopResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const started = performance.now();
  const deadline = started + options.durationSec * 1000;

  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        { agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', timeout: 10_000, headers: { 'content-type': 'application/json', 'user-agent': 'AgentsAccess-Webhook/1.0', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });

  const worker = async () => {
    while (performance.now() < deadline) {
      const at = performance.now();
      try {
        const status = await post(options.body());
        if (status >= 200 && status < 300) latencies.push(performance.now() - at);
        else non2xx++;
      } catch (error) {
        if ((error as Error).message === 'timeout') timeouts++;
        else errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  agent.destroy();
  const seconds = (performance.now() - started) / 1000;
  const summary = summarize(latencies);
  return { connections: options.connections, okPerSec: latencies.length / seconds, p50: summary.p50, p99: summary.p99, max: summary.max, non2xx, errors, timeouts };
}
