/**
 * Where a process spent its CPU, from a V8 profile written by `node --cpu-prof`: self time per
 * category (SQLite, logging, validation, fastify, Node's HTTP, aa-host's own code…), as shares
 * of the time the process was not idle. Native frames count where their caller's library is.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

const CATEGORIES: [string, (name: string, url: string) => boolean][] = [
  ['idle', (name) => name === '(idle)'],
  ['start-up (module loading)', (_name, url) => /node:internal\/modules|\/tsx\//.test(url)],
  ['SQLite (statements, commits, fsync)', (_name, url) => /better-sqlite3|\/src\/store\//.test(url)],
  ['logging (pino)', (name, url) => /pino|sonic-boom|@pinojs|fast-redact/.test(url) || name === 'writeString'],
  ['validation (zod) and JSON.parse', (name, url) => /\/zod\//.test(url) || (name === 'parse' && url === '')],
  ['fastify', (_name, url) => /fastify|find-my-way|avvio|light-my-request|toad-cache|safe-regex|fast-json-stringify|json-schema/.test(url)],
  ['Node HTTP and sockets', (name, url) => /node:_http|node:net|node:internal\/(streams|http|stream_base)|node:events/.test(url) || /^(writev|writeBuffer|writeUtf8String|writeLatin1String|parserOnHeadersComplete)$/.test(name)],
  ['garbage collection', (name) => name === '(garbage collector)'],
  ['crypto (token check, request ids)', (_name, url) => /node:internal\/crypto/.test(url)],
  // The measured hosts run from an esbuild bundle of src/ (bench/lib/build-host.ts).
  ['aa-host code (src/)', (_name, url) => /\/src\/|aa-host-bench\/host-main/.test(url)],
];

export interface ProfileShare {
  category: string;
  ms: number;
  /** Share of the non-idle time. */
  share: number;
}

export function summarizeCpuProfile(file: string): ProfileShare[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    totals.set(categoryOf(id), (totals.get(categoryOf(id)) ?? 0) + us);
  });
  const busy = [...totals].filter(([category]) => category !== 'idle').reduce((sum, [, us]) => sum + us, 0);
  return [...totals]
    .filter(([category]) => category !== 'idle')
    .map(([category, us]) => ({ category, ms: us / 1000, share: us / busy }))
    .sort((a, b) => b.ms - a.ms);

  function categoryOf(id: number): string {
    // A native or anonymous frame belongs to the nearest caller that has a category.
    for (let current: number | undefined = id; current !== undefined; current = parent.get(current)) {
      const node = byId.get(current)!;
      const { functionName, url } = node.callFrame;
      for (const [category, matches] of CATEGORIES) if (matches(functionName, url)) return category;
      if (url !== '') return 'other JavaScript';
    }
    return 'other';
  }
}
