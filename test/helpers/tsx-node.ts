/** Arguments for running a TypeScript entry point with node + tsx from any working directory. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export function tsxArgs(entry: string, ...args: string[]): string[] {
  return ['--import', TSX_LOADER, join(ROOT, entry), ...args];
}
