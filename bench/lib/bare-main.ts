/**
 * The ceiling: a bare fastify route on the same machine that reads the JSON body and answers 200,
 * with no token check, no validation, no database and no logging.
 */
import Fastify from 'fastify';
import { serveCalls } from './child.js';

const app = Fastify({ logger: false });
app.post('/webhooks/:token', async () => ({ ok: true, duplicate: false }));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
serveCalls({}, () => app.close());
process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` });
