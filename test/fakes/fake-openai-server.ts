/**
 * A scripted fake of an OpenAI-compatible HTTP server on 127.0.0.1, for tests that exercise the real SDK
 * over a real socket (timeouts, status codes, headers). Unit tests of bots use a fake ChatModel instead.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeModelRequest {
  /** The parsed JSON body. */
  body: any;
  headers: Record<string, string | string[] | undefined>;
  path: string;
  receivedAt: number;
}

/**
 * A function call in an answer. `arguments` goes on the wire as given, so a test can send an object (as some
 * compatible servers wrongly do) or malformed JSON text. `id: null` leaves the id out; undefined generates one.
 */
export interface FakeToolCall {
  id?: string | null;
  name: string;
  arguments: unknown;
}

export type FakeModelReply =
  | {
      /** The answer text; `null` sends `content: null` (usual next to tool calls). */
      content: string | null;
      delayMs?: number;
      usage?: { prompt_tokens: number; completion_tokens: number };
      tool_calls?: FakeToolCall[];
      /** @default 'tool_calls' when there are tool calls, else 'stop' */
      finish_reason?: string;
    }
  /** An HTTP error answer with the OpenAI error body shape; `retryAfterMs` sets the SDK's retry-after-ms header. */
  | { status: number; error?: string; delayMs?: number; retryAfterMs?: number }
  /** Never answers, until the client gives up or the server closes. */
  | { hang: true };

/** Called once per chat completion request; `index` counts them from 0. */
export type FakeModelScript = (request: FakeModelRequest, index: number) => FakeModelReply | Promise<FakeModelReply>;

export interface FakeOpenAiServer {
  /** `http://127.0.0.1:PORT/v1`: what OPENAI_BASE_URL is set to. */
  readonly baseURL: string;
  /** Every chat completion request, in arrival order (GET /v1/models is not recorded). */
  readonly requests: FakeModelRequest[];
  setScript(script: FakeModelScript): void;
  /** Resolves once `count` chat completion requests have arrived. @default timeoutMs 2000 */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Stops listening and ends open and hanging requests. */
  close(): Promise<void>;
}

/** Answers `echo: <last user message content>`. */
export const echoScript: FakeModelScript = (request) => {
  const messages: unknown = request.body?.messages;
  const lastUser = Array.isArray(messages)
    ? [...messages].reverse().find((message) => message?.role === 'user')
    : undefined;
  return { content: `echo: ${typeof lastUser?.content === 'string' ? lastUser.content : ''}` };
};

const CHAT_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);
const MODELS_PATHS = new Set(['/v1/models', '/models']);

export async function startFakeOpenAiServer(
  options: { script?: FakeModelScript; port?: number } = {},
): Promise<FakeOpenAiServer> {
  let script = options.script ?? echoScript;
  const requests: FakeModelRequest[] = [];
  const waiters = new Set<() => void>();
  const timers = new Set<NodeJS.Timeout>();
  let completionCount = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      sendError(res, 500, `fake server: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const raw = await readBody(req);

    if (req.method === 'GET' && MODELS_PATHS.has(path)) {
      sendJson(res, 200, {
        object: 'list',
        data: [{ id: 'fake-model', object: 'model', created: 0, owned_by: 'fake-openai-server' }],
      });
      return;
    }
    if (req.method !== 'POST' || !CHAT_PATHS.has(path)) {
      sendError(res, 404, `no route for ${req.method} ${path}`, 'invalid_request_error', 'not_found');
      return;
    }

    let body: any;
    try {
      body = JSON.parse(raw);
    } catch {
      sendError(res, 400, 'the request body is not JSON', 'invalid_request_error', 'invalid_json');
      return;
    }
    const request: FakeModelRequest = { body, headers: { ...req.headers }, path, receivedAt: Date.now() };
    const index = completionCount++;
    requests.push(request);
    for (const wake of [...waiters]) wake();

    const reply = await script(request, index);
    if ('hang' in reply) return; // the response stays open; close() destroys the socket
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return; // the client gave up while we waited

    if ('status' in reply) {
      if (reply.retryAfterMs !== undefined) res.setHeader('retry-after-ms', String(reply.retryAfterMs));
      sendError(res, reply.status, reply.error ?? `fake error ${reply.status}`);
      return;
    }
    const usage = reply.usage ?? { prompt_tokens: 0, completion_tokens: 0 };
    const toolCalls = reply.tool_calls?.map((call, i) => ({
      ...(call.id === null ? {} : { id: call.id ?? `call_fake_${index}_${i}` }),
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
    const message = { role: 'assistant', content: reply.content, ...(toolCalls ? { tool_calls: toolCalls } : {}) };
    const finishReason = reply.finish_reason ?? (toolCalls && toolCalls.length > 0 ? 'tool_calls' : 'stop');
    sendJson(res, 200, {
      id: `chatcmpl-fake-${index}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: typeof body?.model === 'string' ? body.model : 'fake-model',
      choices: [{ index: 0, message, finish_reason: finishReason }],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setScript(next) {
      script = next;
    },
    waitForRequests(count, timeoutMs = 2000) {
      if (requests.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`fake OpenAI server: expected ${count} requests within ${timeoutMs} ms, got ${requests.length}`));
        }, timeoutMs);
        const check = () => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close() {
      // Delayed replies would otherwise keep the event loop (and the test run) alive.
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Ends hanging requests and idle keep-alive sockets, which server.close() alone waits for.
        server.closeAllConnections();
      });
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The OpenAI error body shape, which the SDK turns into an APIError subclass by status. */
function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type = errorType(status),
  code: string | null = null,
): void {
  sendJson(res, status, { error: { message, type, code, param: null } });
}

function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}
