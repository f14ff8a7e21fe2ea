/**
 * The platform's reference receiver (Flask), taken at bench time from the docs page in
 * ../shared/seeds/000_3ef278b7f6954e68.txt into a temp dir, never into the repo. The page lost
 * the code's indentation, so it is re-indented here (blocks follow `:`; a simple statement ends
 * an if/else/except body, which holds for this file) and checked with Python's own parser.
 * Run as the docs say (`app.run`, Werkzeug's threaded server), bound to 127.0.0.1.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './child.js';
import { sleep } from './stats.js';

export const REFERENCE_SEED = join(ROOT, '..', 'shared', 'seeds', '000_3ef278b7f6954e68.txt');
const FILE_NAME = 'aa_webhook_receiver.py';

export type PythonCheck = { ok: true; python: string; flask: string } | { ok: false; reason: string };

/** Debian's python3 with python3-flask first, then whatever python3 is on PATH. */
export function findFlaskPython(): PythonCheck {
  const candidates = ['/usr/bin/python3', 'python3'].filter((p) => p === 'python3' || existsSync(p));
  const tried: string[] = [];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import flask, requests, importlib.metadata as m; print(m.version("flask"))'], { encoding: 'utf8' });
    if (probe.status === 0) return { ok: true, python, flask: probe.stdout.trim() };
    tried.push(`${python}: ${probe.error ? probe.error.message : (probe.stderr.trim().split('\n').pop() ?? `exit ${probe.status}`)}`);
  }
  return { ok: false, reason: `Flask is not installed (apt-get install -y python3-flask); tried ${tried.join('; ')}` };
}

/** The receiver's Python source from the docs page, re-indented. */
export function extractReceiverSource(page: string): string {
  const lines = page.split('\n').map((line) => line.trim());
  const first = lines.findIndex((line) => line.startsWith('#!/usr/bin/env python3'));
  const last = lines.findIndex((line, i) => i > first && line.startsWith('app.run('));
  if (first < 0 || last < 0) throw new Error(`${REFERENCE_SEED}: the reference receiver's code was not found`);
  return reindent(lines.slice(first, last + 1)).join('\n') + '\n';
}

type Block = { indent: number; opener: string };
const TOP_LEVEL = /^(import |from |def |@|class |if __name__|[A-Za-z_][A-Za-z0-9_]* = )/;
const CONTINUATION = /^(else|elif|except|finally)\b/;
const SINGLE_STATEMENT_BODY = /^(if|elif|else|except|finally)\b/;

function reindent(lines: string[]): string[] {
  const out: string[] = [];
  let stack: Block[] = [];
  let depth = 0;
  let inDocstring = false;
  /** Where the last if/elif whose one-statement body has ended stood: its else goes there. */
  let lastIfIndent = 0;
  const indent = () => stack.at(-1)?.indent ?? 0;

  for (const line of lines) {
    if (inDocstring) {
      out.push(line);
      if (line.includes('"""')) inDocstring = false;
      continue;
    }
    if (depth > 0) {
      out.push(' '.repeat(indent() + 4) + line);
      depth += scan(line).depthChange;
      if (depth === 0) endSimpleStatement();
      continue;
    }
    if (line === '' || line.startsWith('#')) {
      out.push(line === '' ? '' : ' '.repeat(indent()) + line);
      continue;
    }
    if (line.startsWith('"""')) {
      out.push(' '.repeat(indent()) + line);
      if (line === '"""' || !line.slice(3).includes('"""')) inDocstring = true;
      continue;
    }
    if (TOP_LEVEL.test(line) && !(stack.length > 0 && /^[a-z_]+ = /.test(line))) stack = [];
    if (/^(else|elif)\b/.test(line)) {
      while (stack.length > 0 && indent() > lastIfIndent) stack.pop();
    } else if (CONTINUATION.test(line)) {
      while (stack.length > 0 && !/^try\b/.test(stack.at(-1)!.opener)) stack.pop();
      stack.pop();
    }
    out.push(' '.repeat(indent()) + line);
    const { depthChange, endsWithColon } = scan(line);
    depth += depthChange;
    if (depth > 0) continue;
    if (endsWithColon) stack.push({ indent: indent() + 4, opener: line });
    else endSimpleStatement();
  }
  return out;

  function endSimpleStatement(): void {
    while (stack.length > 0 && SINGLE_STATEMENT_BODY.test(stack.at(-1)!.opener)) {
      const block = stack.pop()!;
      if (/^(if|elif)\b/.test(block.opener)) lastIfIndent = block.indent - 4;
    }
  }
}

/** Bracket depth change and whether the code (strings and comments skipped) ends with `:`. */
function scan(line: string): { depthChange: number; endsWithColon: boolean } {
  let depthChange = 0;
  let last = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '#') break;
    if (c === '"' || c === "'") {
      quote = c;
      last = c;
      continue;
    }
    if ('([{'.includes(c)) depthChange++;
    else if (')]}'.includes(c)) depthChange--;
    if (c.trim() !== '') last = c;
  }
  return { depthChange, endsWithColon: last === ':' };
}

export interface ReferenceReceiver {
  url: string;
  python: string;
  flask: string;
  stop(): Promise<void>;
}

/** Writes the receiver into `dir`, checks it parses, and runs it on a free port of 127.0.0.1. */
export async function startReferenceReceiver(options: { dir: string; python: string; flask: string; apiBase: string; apiKey: string }): Promise<ReferenceReceiver> {
  const source = extractReceiverSource(readFileSync(REFERENCE_SEED, 'utf8'));
  const file = join(options.dir, FILE_NAME);
  writeFileSync(file, source);
  const parsed = spawnSync(options.python, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', file], { encoding: 'utf8' });
  if (parsed.status !== 0) throw new Error(`the extracted reference receiver does not parse: ${parsed.stderr}`);
  const port = await freePort();
  const proc: ChildProcess = spawn(
    options.python,
    ['-c', `import sys; sys.path.insert(0, sys.argv[1]); import aa_webhook_receiver as r; r.app.run(host="127.0.0.1", port=int(sys.argv[2]))`, options.dir, String(port)],
    { env: { PATH: process.env.PATH ?? '', AGENTSACCESS_API: options.apiBase, AGENTSACCESS_API_KEY: options.apiKey }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}/aa`;
  const deadline = performance.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the reference receiver exited with ${proc.exitCode}`);
    try {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"event":"bench.ping","data":{}}' });
      await response.arrayBuffer();
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error('the reference receiver did not answer within 15 s');
    }
    await sleep(50);
  }
  return {
    url,
    python: options.python,
    flask: options.flask,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
