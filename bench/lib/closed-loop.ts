/**
 * Closed-loop load with autocannon: N connections, each sending its next request when the
 * previous one is answered. Raising N until throughput stops rising finds the knee.
 */
import autocannon from 'autocannon';

export interface ClosedLoopResult {
  connections: number;
  /** 2xx answers per second. */
  okPerSec: number;
  p50: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export async function closedLoop(options: { url: string; connections: number; durationSec: number; body: () => string }): Promise<ClosedLoopResult> {
  const target = new URL(options.url);
  const result = await autocannon({
    url: target.origin,
    connections: options.connections,
    duration: options.durationSec,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: target.pathname,
        headers: { 'content-type': 'application/json', 'user-agent': 'AgentsAccess-Webhook/1.0' },
        setupRequest: (request) => ({ ...request, body: options.body() }),
      },
    ],
  });
  return {
    connections: options.connections,
    okPerSec: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
