/**
 * The floor for the per-turn overhead: a bare fastify route that acknowledges a webhook and at
 * once POSTs a chat completion request (with the webhook's `[bench:<n>]` marker) to the model
 * URL in BENCH_MODEL_URL, with Node's fetch as the OpenAI SDK uses it. No storage, no actor, no
 * queue: what two loopback hops and two processes cost on this machine at this moment.
 */
import Fastify from 'fastify';
import { serveCalls } from './child.js';

const modelUrl = `${process.env.BENCH_MODEL_URL ?? ''}/chat/completions`;
const app = Fastify({ logger: false });
app.post('/webhooks/:token', async (request) => {
  const marker = /\[bench:([\w-]+)\]/.exec(JSON.stringify(request.body))?.[1] ?? 'none';
  setImmediate(() => {
    fetch(modelUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: `[bench:relay-${marker}]` }] }),
    })
      .then((response) => response.arrayBuffer())
      .catch(() => {});
  });
  return { ok: true, duplicate: false };
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
serveCalls({}, () => app.close());
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
