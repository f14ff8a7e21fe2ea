/** The flags every bench script takes: `--quick` (the short CI-sized run) and `--json <file>` (results for run-all). */
import { writeFileSync } from 'node:fs';

export interface BenchArgs {
  quick: boolean;
  json: string | undefined;
}

export function parseBenchArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  const jsonAt = argv.indexOf('--json');
  return { quick: argv.includes('--quick'), json: jsonAt >= 0 ? argv[jsonAt + 1] : undefined };
}

/** One target from the issue, with the measured value and whether it holds. */
export interface TargetResult {
  target: string;
  measured: string;
  /** null when the measurement could not be made (e.g. Flask not installed). */
  met: boolean | null;
  note?: string;
}

export interface BenchResult {
  name: string;
  quick: boolean;
  /** Markdown tables, ready for BENCHMARKS.md. */
  tables: string[];
  targets: TargetResult[];
  notes: string[];
  /** Raw figures for anyone who wants to recompute. */
  data: unknown;
}

/** Prints the result and, with `--json`, writes it for run-all. */
export function reportResult(args: BenchArgs, result: BenchResult): void {
  const lines = [`\n## ${result.name}${result.quick ? ' (quick)' : ''}\n`, ...result.tables.flatMap((table) => [table, ''])];
  if (result.targets.length > 0) {
    lines.push('| target | measured | met |', '|---|---|---|');
    for (const t of result.targets) lines.push(`| ${t.target} | ${t.measured} | ${verdict(t.met)}${t.note ? ` (${t.note})` : ''} |`);
    lines.push('');
  }
  for (const note of result.notes) lines.push(`- ${note}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2));
}

export function verdict(met: boolean | null): string {
  return met === null ? 'not measured' : met ? 'yes' : '**no**';
}

/** Runs a bench's main, turning a failure into a non-zero exit with the error printed. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
