/**
 * The measured hosts run as production does, with plain node on JavaScript (as `node dist/cli.js`
 * does), not through tsx, whose loader adds memory and start-up time. bench/lib/host-main.ts and
 * src/ are bundled once per bench run with esbuild (already installed with tsx); packages stay
 * external and resolve from node_modules. If esbuild is missing, the host runs through tsx.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './child.js';

const OUT_DIR = join(ROOT, 'node_modules', '.cache', 'aa-host-bench');
let built: string | null | undefined;

/** The bundled host entry, or null when it could not be built (then tsx runs the sources). */
export function hostBundle(): string | null {
  if (built !== undefined) return built;
  const esbuild = join(ROOT, 'node_modules', '.bin', 'esbuild');
  const outfile = join(OUT_DIR, 'host-main.mjs');
  built = null;
  if (!existsSync(esbuild)) return built;
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'package.json'), '{"type":"module"}\n');
  const result = spawnSync(
    esbuild,
    [join(ROOT, 'bench', 'lib', 'host-main.ts'), '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${outfile}`, '--log-level=error'],
    { encoding: 'utf8' },
  );
  if (result.status === 0) built = outfile;
  else process.stderr.write(`bench: could not bundle the host with esbuild (${result.stderr.trim()}); running it through tsx\n`);
  return built;
}
