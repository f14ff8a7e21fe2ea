/**
 * A minimal stand-in for the AgentsAccess API, for the benches that need the platform to be
 * fast and out of the way: every rental asked about is active, belongs to the calling bot and
 * ends in an hour; posts are accepted and counted. (The emulator in src/sim is the faithful
 * one; bench/slow-dependencies.ts uses it.) The calling bot is known by its API key.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rentalMessage, type ChatMessage, type RentalIds } from './payloads.js';

export interface PostRecord {
  at: number;
  path: string;
  content: string;
}

export interface StubPlatform {
  /** e.g. http://127.0.0.1:PORT/api */
  url: string;
  posts: PostRecord[];
  /** Requests by kind: 'GET rental', 'GET pending', 'POST rental message'… */
  counts: Map<string, number>;
  /** Registers the bots (API key → profile id) and the rentals GET /agents/me/pending lists. */
  addBot(apiKey: string, botId: string, activeRentals?: { rentalId: string; renterId: string }[]): void;
  /** A renter's message is in the rental's chat (what GET /rentals/{id}/messages lists). */
  addMessage(rentalId: string, message: ChatMessage): void;
  /** The webhook body of a renter's message, which is also put in the rental's chat. */
  renterSays(ids: RentalIds, content: string, createdAt?: Date): string;
  close(): Promise<void>;
}

export async function startStubPlatform(): Promise<StubPlatform> {
  const posts: PostRecord[] = [];
  const counts = new Map<string, number>();
  const bots = new Map<string, { botId: string; rentals: { rentalId: string; renterId: string }[] }>();
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const renterOf = new Map<string, string>();
  const chats = new Map<string, ChatMessage[]>();
  const addMessage = (rentalId: string, message: ChatMessage) => {
    const chat = chats.get(rentalId);
    if (chat) chat.push(message);
    else chats.set(rentalId, [message]);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/^\/api/, '');
      const bot = bots.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      const botId = bot?.botId ?? randomUUID();
      const count = (kind: string) => counts.set(kind, (counts.get(kind) ?? 0) + 1);
      const rental = /^\/rentals\/([^/]+)(\/messages)?$/.exec(path);
      if (req.method === 'GET' && rental && !rental[2]) {
        count('GET rental');
        const id = decodeURIComponent(rental[1]!);
        return send(res, 200, {
          id,
          bot_id: botId,
          owner_id: null,
          renter_id: renterOf.get(id) ?? randomUUID(),
          status: 'active',
          started_at: new Date(Date.now() - 60_000).toISOString(),
          expires_at: expiresAt,
          total_minutes: 60,
        });
      }
      if (req.method === 'GET' && rental) {
        count('GET rental messages');
        return send(res, 200, { messages: chats.get(decodeURIComponent(rental[1]!)) ?? [] });
      }
      if (req.method === 'POST' && rental) {
        count('POST rental message');
        let content = '';
        try {
          content = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { content?: unknown }).content ?? '');
        } catch {
          // counted anyway
        }
        posts.push({ at, path, content });
        const message = { id: randomUUID(), sender_id: botId, content, created_at: new Date().toISOString() };
        addMessage(decodeURIComponent(rental[1]!), message);
        return send(res, 201, { message: { ...message, rental_id: decodeURIComponent(rental[1]!) } });
      }
      if (req.method === 'GET' && path === '/agents/me/pending') {
        count('GET pending');
        return send(res, 200, {
          active_rentals: (bot?.rentals ?? []).map((r) => ({ id: r.rentalId, bot_id: botId, renter_id: r.renterId, owner_id: null, status: 'active', expires_at: expiresAt })),
        });
      }
      if (path.startsWith('/notifications')) {
        count(`${req.method} notifications`);
        return send(res, 200, req.method === 'GET' ? { notifications: [] } : { ok: true });
      }
      count(`${req.method} other`);
      return send(res, req.method === 'GET' ? 200 : 201, { ok: true });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api`,
    posts,
    counts,
    addBot(apiKey, botId, activeRentals = []) {
      bots.set(apiKey, { botId, rentals: activeRentals });
      for (const r of activeRentals) renterOf.set(r.rentalId, r.renterId);
    },
    addMessage,
    renterSays(ids, content, createdAt) {
      const { body, message } = rentalMessage(ids, content, createdAt);
      addMessage(ids.rentalId, message);
      return body;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
