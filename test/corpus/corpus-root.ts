// Where the shared tcpdump test corpus is: `shared/corpus/tcpdump-tests` next to the repository,
// or next to the folder that holds it (a git worktree under wt/ shares its checkout's corpus).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const RELATIVE = join('shared', 'corpus', 'tcpdump-tests');

export function corpusRoot(): string {
  const repo = resolve(import.meta.dirname, '../..');
  const near = join(dirname(repo), RELATIVE);
  const candidates = [near, join(dirname(dirname(repo)), RELATIVE)];
  return candidates.find((p) => existsSync(p)) ?? near;
}
