// The README's Quick start is a contract: its first command, as written, must work from a fresh
// clone. This runs the check part of it (`npx lvs-pcap check <bundled capture>`) through npx,
// as a user would, and holds it to what the README says it prints and how it exits.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

function quickStartCommands(): string[] {
  const section = README.slice(README.indexOf('## Quick start'), README.indexOf('<!-- QUICKSTART-END -->'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('README has no Quick start code block');
  return block[1]!.trim().split('\n');
}

describe('README Quick start', () => {
  it('is two commands: install and check a bundled capture, then the test suite', () => {
    const [first, second] = quickStartCommands();
    expect(first).toMatch(/^npm ci && npx lvs-pcap check fixtures\/\S+\.pcap$/);
    expect(second).toBe('npm test');
  });

  it('the bin is executable in the checkout (npm runs it directly)', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(ROOT, pkg.bin['lvs-pcap']!);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('`npx lvs-pcap check` on the bundled capture prints the fix and exits 1, as the README says', () => {
    const check = quickStartCommands()[0]!.split(' && ')[1]!.split(' ');
    const r = spawnSync('npx', check.slice(1), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.stderr).not.toMatch(/Permission denied|not found/);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('arp_announce');
    expect(r.stdout).toContain('sysctl');
  });
});
