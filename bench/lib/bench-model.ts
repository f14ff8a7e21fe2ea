/**
 * A fake OpenAI-compatible model server for the benches. Unlike test/fakes it records when each
 * request's head arrived (performance.now() in the bench process, at the `request` event: for
 * these small requests the head and body come in the same segment, so this is the first byte
 * within the event loop's resolution) and the `[bench:<id>]` marker found in the request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ModelCall {
  /** performance.now() when the request head arrived. */
  at: number;
  /** The last `[bench:<id>]` marker in the body (the newest message), if any. */
  marker: string | undefined;
}

export interface BenchModel {
  baseURL: string;
  calls: ModelCall[];
  /** Requests answered so far. */
  answered(): number;
  setDelayMs(ms: number): void;
  close(): Promise<void>;
}

const MARKER = /\[bench:([\w-]+)\]/g;

export async function startBenchModel(options: { delayMs?: number } = {}): Promise<BenchModel> {
  let delayMs = options.delayMs ?? 0;
  let answered = 0;
  const calls: ModelCall[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      if (req.method === 'GET' && path.endsWith('/models')) return send(res, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'bench' }] });
      const body = Buffer.concat(chunks).toString('utf8');
      const markers = [...body.matchAll(MARKER)];
      calls.push({ at, marker: markers.at(-1)?.[1] });
      const index = calls.length;
      const answer = () => {
        answered++;
        send(res, {
          id: `chatcmpl-bench-${index}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'fake-model',
          choices: [{ index: 0, message: { role: 'assistant', content: `Noted (${index}).` }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 },
        });
      };
      if (delayMs <= 0) return answer();
      const timer = setTimeout(() => {
        timers.delete(timer);
        answer();
      }, delayMs);
      timers.add(timer);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    calls,
    answered: () => answered,
    setDelayMs: (ms) => {
      delayMs = ms;
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function send(res: ServerResponse, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
