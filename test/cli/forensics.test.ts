/**
 * After an incident: the topology command, evidence files, the bounded flow table, as an
 * engineer runs them. Spawns dist/cli/main.js (built by `npm test` before vitest).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cliBuilt } from '../support/cli.js';
import { orSkipped } from '../support/skip.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = CLI_BIN;
const built = cliBuilt();
// Made only when the tests run: a skipped file runs no afterAll to remove it.
const dir = built ? mkdtempSync(join(tmpdir(), 'lvs-pcap-forensics-')) : '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)(orSkipped('forensics from the command line', built ? undefined : 'the CLI bundle is not built (npm test builds it)'), () => {
  it('topology writes YAML on stdout and explains on stderr; check --config reads it back', () => {
    const t = run('topology', 'fixtures/healthy/client.pcap');
    expect(t.status).toBe(0);
    expect(t.stdout).toContain('directorMacs: [ 00:0c:29:50:d5:63 ]');
    expect(t.stderr).toContain('VIP          192.168.188.120:80/tcp');
    const config = join(dir, 'lvs.yaml');
    const o = run('topology', 'fixtures/healthy/bridge.pcap', '--output', config);
    expect(o.status).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('vip: 192.168.188.120');
    const c = run('check', 'fixtures/healthy/rs1.pcap', '--config', config, '--format', 'json');
    expect(c.status).toBe(0);
    const result = JSON.parse(c.stdout) as { topology: { vips: { source: string }[] }; summary: { flows: number } };
    expect(result.topology.vips.every((v) => v.source === 'given')).toBe(true);
    expect(result.summary.flows).toBeGreaterThan(0);
  });

  it('--write-evidence writes the cited frames and says so on stderr', () => {
    const out = join(dir, 'proof.pcap');
    const r = run('check', 'fixtures/arp-announce-0/bridge.pcap', '--write-evidence', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^lvs-pcap: wrote \d+ evidence frames to .*proof\.pcap$/m);
    expect(existsSync(out)).toBe(true);
  });

  it('usage errors: --evidence-flows alone, --max-flows 0, evidence from stdin', () => {
    expect(run('check', 'fixtures/healthy/bridge.pcap', '--evidence-flows').stderr).toMatch(/--evidence-flows needs --write-evidence FILE/);
    const m = run('check', 'fixtures/healthy/bridge.pcap', '--max-flows', '0');
    expect(m.status).toBe(2);
    expect(m.stderr).toMatch(/--max-flows 0: must be at least 1/);
    expect(run('check', '-', '--write-evidence', join(dir, 'x.pcap')).status).toBe(2);
  });

  it('a flow table smaller than the open flows evicts, judges them early and says so', () => {
    const r = run('check', 'fixtures/healthy/bridge.pcap', '--max-flows', '2', '--format', 'json');
    const result = JSON.parse(r.stdout) as { summary: { evictedFlows: number; flows: number } };
    expect(result.summary.evictedFlows).toBeGreaterThan(0);
    expect(result.summary.flows).toBeGreaterThan(0);
    const t = run('check', 'fixtures/healthy/bridge.pcap', '--max-flows', '2');
    expect(t.stdout).toMatch(/note: the flow table was full: \d+ flows judged before their end \(--max-flows\)/);
  });
});
