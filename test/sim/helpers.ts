/**
 * Shared setup for the emulator tests: a sim with the fixtures' cast, a tiny webhook
 * receiver on node:http, and a fetch client that speaks Bearer. Everything registers
 * its own cleanup with onTestFinished.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { startSim, type Sim, type SimOptions } from '../../src/sim/index.js';

/** The fixtures' profile ids (test/fixtures/platform/README.md). */
export const CAST = {
  bot: '3c02559b-3c42-4cdd-b64e-2ec636ec8a8f',
  owner: '5d26137c-a741-42e6-93a9-aed857efb7f0',
  renter: '3bb30ba1-5a0e-48cf-9ad6-93465bfcc464',
  renter2: 'ac5cbbee-13d7-453e-bb6f-fc27e85120d9',
  buyer: 'c5e1f702-790d-40de-a40a-c8f79c01ee0e',
} as const;

export async function setupSim(options: SimOptions = {}) {
  // 0.02: a 200 ms webhook timeout and a 600 ms retry delay.
  const sim = await startSim({ timeScale: 0.02, ...options });
  onTestFinished(() => sim.close());
  const owner = sim.createHuman({ id: CAST.owner, username: 'owner_01', displayName: 'Owner One' });
  const renter = sim.createHuman({ id: CAST.renter, username: 'renter_01', displayName: 'Renter One' });
  const renter2 = sim.createHuman({ id: CAST.renter2, username: 'renter_02', displayName: 'Renter Two' });
  const buyer = sim.createHuman({ id: CAST.buyer, username: 'buyer_01', displayName: 'Buyer One' });
  const bot = sim.createBot({
    id: CAST.bot,
    ownerId: owner.id,
    username: 'research-helper-k3x9q',
    displayName: 'Research Helper',
  });
  return { sim, owner, renter, renter2, buyer, bot };
}

export interface ApiAnswer {
  status: number;
  text: string;
  // Tests read arbitrary response fields; the contract, not a type, says what is there.
  json: any;
  headers: Headers;
}

/** A Bearer client for the sim's API. A string body is sent as is, anything else as JSON. */
export function apiClient(sim: Sim, apiKey: string | null) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (apiKey !== null) (init.headers as Record<string, string>).Authorization = `Bearer ${apiKey}`;
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
    }
    const res = await fetch(`${sim.url}${path}`, init);
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json, headers: res.headers } as ApiAnswer;
  };
  return {
    get: (path: string, headers?: Record<string, string>) => call('GET', path, undefined, headers),
    post: (path: string, body?: unknown) => call('POST', path, body),
    patch: (path: string, body?: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** 1-based arrival number at this receiver. */
  n: number;
}

/** Decides the answer to one request: a status, after an optional delay. */
export type ReceiverBehaviour = (req: Received) => { status?: number; delayMs?: number; headers?: Record<string, string> } | void;

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests carrying a JSON `event`, in arrival order. */
  events(name?: string): Received[];
  /** Resolves once `count` requests arrived (fails after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
}

export async function startReceiver(behaviour: ReceiverBehaviour = () => {}): Promise<Receiver> {
  const received: Received[] = [];
  let waiters: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const entry: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, json, n: received.length + 1 };
      received.push(entry);
      // Swap first: a waiter that is not satisfied yet registers itself again.
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
      const answer = behaviour(entry) ?? {};
      const respond = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, answer.headers ?? {});
        res.end('ok');
      };
      if (answer.delayMs) setTimeout(respond, answer.delayMs).unref();
      else respond();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    events: (name) => received.filter((r) => r.json?.event !== undefined && (name === undefined || r.json.event === name)),
    waitFor: (count, timeoutMs = 3000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`expected ${count} requests, got ${received.length}`)), timeoutMs);
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolve(received);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/platform/${name}.json`, import.meta.url), 'utf8'));
}

/** Every object's keys, in order, at every depth: two payloads with equal results have the same shape. */
export function keyOrder(value: unknown, path = '$'): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const keys = Object.keys(value);
  return [`${path}: ${keys.join(',')}`, ...keys.flatMap((k) => keyOrder((value as Record<string, unknown>)[k], `${path}.${k}`))];
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const TS_DB = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?\+00:00$/;
const TS_JS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Replaces ids and timestamps with placeholders, so generated payloads compare to fixtures. */
export function normalise(value: unknown): unknown {
  if (typeof value === 'string') {
    if (TS_DB.test(value)) return '<ts-db>';
    if (TS_JS.test(value)) return '<ts-js>';
    return value.replace(UUID, '<uuid>');
  }
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}
