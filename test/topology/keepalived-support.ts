/**
 * keepalived's own parser as the second opinion: `keepalived --config-test -f FILE` (Debian's
 * keepalived 2.2.7). It refuses an `interface` the machine running it does not have, so a
 * config is tested on a copy whose interface names are this machine's first Ethernet one.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

function ethernetInterface(): string | undefined {
  try {
    return readdirSync('/sys/class/net')
      .sort()
      .find((n) => n !== 'lo' && readFileSync(`/sys/class/net/${n}/type`, 'utf8').trim() === '1');
  } catch {
    return undefined;
  }
}

const keepalivedRuns = spawnSync('keepalived', ['--version'], { stdio: 'ignore' }).status === 0;
export const IFACE = ethernetInterface();

/** Why keepalived's config test cannot run here, or undefined when it can. */
export const configTestSkip: string | undefined = !keepalivedRuns
  ? 'keepalived is not installed (Debian: apt-get install keepalived)'
  : IFACE === undefined
    ? 'this machine has no Ethernet interface for the configs to name'
    : undefined;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/**
 * keepalived's verdict on `file` (and what it includes from its directory): `ok` when its config
 * test exits 0. The directory is copied with `interface eth0` / `dev eth0` renamed to IFACE.
 */
export function keepalivedConfigTest(file: string): { ok: boolean; output: string } {
  const src = dirname(file);
  const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-kacheck-'));
  try {
    cpSync(src, dir, { recursive: true });
    for (const f of files(dir)) {
      const text = readFileSync(f, 'utf8');
      writeFileSync(f, text.replace(/\b(interface|dev)(\s+)eth0\b/g, `$1$2${IFACE ?? 'eth0'}`).replace(/^(\s*)eth0(\s+weight)/gm, `$1${IFACE ?? 'eth0'}$2`));
    }
    const copy = join(dir, relative(src, file));
    const r = spawnSync('keepalived', ['--config-test', '-f', copy], { encoding: 'utf8', cwd: tmpdir() });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.replace(/Running as user .*\n?/g, '').trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A directory of files (name -> text) for one test, removed by `cleanup`. */
export function confDir(filesByName: Record<string, string>): { dir: string; path: (name: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-ka-'));
  for (const [name, text] of Object.entries(filesByName)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { dir, path: (n) => join(dir, n), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
