// Where the program people run lives: the committed bin shim, which loads the bundle that
// `npm run build` (and so `npm test`) writes. CLI tests spawn the shim.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '../..');
export const CLI_BIN = join(REPO_ROOT, 'bin/lvs-pcap.js');
export const CLI_BUNDLE = join(REPO_ROOT, 'dist/cli/lvs-pcap.cjs');

/** Whether the bundle has been built (a clean checkout before `npm test` has none). */
export function cliBuilt(): boolean {
  return existsSync(CLI_BUNDLE);
}
