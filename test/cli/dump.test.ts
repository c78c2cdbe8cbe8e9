/**
 * `lvs-pcap dump` gives the same frames whatever the container: the healthy bridge capture as
 * nanosecond pcap, pcapng and gzip (fixtures/forms, made from it by the lab with editcap and
 * gzip), and piped through stdin.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, cliBuilt } from '../support/cli.js';
import { orSkipped } from '../support/skip.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = CLI_BIN;
const dump = (...args: string[]): string => execFileSync(process.execPath, [MAIN, 'dump', ...args], { cwd: ROOT, encoding: 'utf8' });

describe.skipIf(!cliBuilt())(orSkipped('lvs-pcap dump', cliBuilt() ? undefined : 'the CLI bundle is not built (npm test builds it)'), () => {
  const plain = dump('fixtures/healthy/bridge.pcap');

  it('prints one JSON object per frame, numbered as Wireshark does', () => {
    const lines = plain.trim().split('\n').map((l) => JSON.parse(l) as { frame: number; eth?: { src: string } });
    expect(lines.length).toBe(JSON.parse(readFileSync(join(ROOT, 'fixtures/healthy/bridge.json'), 'utf8')).capture.frames);
    expect(lines.map((l) => l.frame)).toEqual(lines.map((_, i) => i + 1));
    expect(lines[0]!.eth?.src).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  for (const form of ['fixtures/forms/bridge-nsec.pcap', 'fixtures/forms/bridge-pcapng.pcapng', 'fixtures/forms/bridge-gzip.pcap.gz']) {
    it(`${form} gives the same frames as the plain pcap`, () => {
      expect(dump(form)).toBe(plain);
    });
  }

  it('stdin (-) gives the same frames as the file', () => {
    const r = spawnSync(process.execPath, [MAIN, 'dump', '-'], { cwd: ROOT, input: readFileSync(join(ROOT, 'fixtures/healthy/bridge.pcap')), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(plain);
  });

  it('a closed pipe (| head) ends quietly', () => {
    const r = spawnSync('sh', ['-c', `node ${MAIN} dump fixtures/healthy/bridge.pcap | head -n 2`], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toBe('');
  });
});
