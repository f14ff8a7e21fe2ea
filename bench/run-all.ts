/**
 * `npm run bench [-- --quick]`: every measurement, one after another, each in its own process
 * (bench/<name>.ts), then the targets of issue 6 in one table. The machine and its load are
 * printed too: absolute figures drift on a shared machine, ratios measured side by side in the
 * same run do not. `--only ingest,recovery` runs a subset.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './lib/child.js';
import { verdict, type BenchResult } from './lib/cli-args.js';
import { fmt } from './lib/stats.js';

const SCRIPTS = ['ingest', 'slow-dependencies', 'turn-overhead', 'scale', 'recovery', 'rate-limits'] as const;
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? (process.argv[onlyAt + 1] ?? '').split(',') : undefined;

function run(script: string, jsonFile: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', TSX_LOADER, join(ROOT, 'bench', `${script}.ts`), ...(quick ? ['--quick'] : []), '--json', jsonFile], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aa-bench-results-'));
  const started = performance.now();
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 1024 ** 3)} GB, Node ${process.version}, ${process.platform}`;
  process.stdout.write(`aa-host bench${quick ? ' --quick' : ''}\nmachine: ${machine}\nload average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const results: BenchResult[] = [];
  const failed: string[] = [];
  const timings: string[] = [];
  for (const script of SCRIPTS.filter((s) => !only || only.includes(s))) {
    const t0 = performance.now();
    const load = loadavg()[0]!.toFixed(2);
    const file = join(dir, `${script}.json`);
    const code = await run(script, file);
    timings.push(`${script} ${fmt((performance.now() - t0) / 1000)} s (load ${load} → ${loadavg()[0]!.toFixed(2)})`);
    if (code !== 0) {
      failed.push(script);
      continue;
    }
    results.push(JSON.parse(readFileSync(file, 'utf8')) as BenchResult);
  }
  rmSync(dir, { recursive: true, force: true });

  const lines = ['\n## Targets (issue 6)\n', '| measurement | target | measured | met |', '|---|---|---|---|'];
  for (const result of results) for (const t of result.targets) lines.push(`| ${result.name} | ${t.target} | ${t.measured} | ${verdict(t.met)}${t.note ? ` (${t.note})` : ''} |`);
  lines.push('', `machine: ${machine}`, `load average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`, `durations: ${timings.join('; ')}`);
  lines.push(`total: ${fmt((performance.now() - started) / 1000)} s${failed.length > 0 ? `; FAILED: ${failed.join(', ')}` : ''}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = failed.length > 0 ? 1 : 0;
}

void main();
