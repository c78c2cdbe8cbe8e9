/**
 * Repeatable options as an SRE types them: the option's value, then the capture. Each option takes
 * one value per use (and may be repeated), so the word after its value is the capture, not a
 * second value; the JSON shows the value was read (the VIP, director, real servers given; the
 * rules run).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/result/result.js';
import { CLI_BIN, cliBuilt, REPO_ROOT } from '../support/cli.js';

const CAPTURE = 'fixtures/healthy/bridge.pcap';

function check(...args: string[]): { status: number | null; result: CheckResult | undefined; stderr: string } {
  const r = spawnSync(process.execPath, [CLI_BIN, 'check', ...args, '--format', 'json'], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, result: r.stdout ? (JSON.parse(r.stdout) as CheckResult) : undefined, stderr: r.stderr };
}

describe.skipIf(!cliBuilt())('a repeatable option before the capture takes one value', () => {
  it('--vip VIP:port capture', () => {
    const r = check('--vip', '192.168.188.120:80', CAPTURE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.result!.topology.vips.find((v) => v.ip === '192.168.188.120' && v.port === 80)?.source).toBe('given');
  });

  it('--vip twice, then the capture', () => {
    const r = check('--vip', '192.168.188.120:80', '--vip', '192.168.188.120:53/udp', CAPTURE);
    expect(r.status).toBe(0);
    const given = r.result!.topology.vips.filter((v) => v.source === 'given').map((v) => `${v.port}/${v.proto}`);
    expect(given.sort()).toEqual(['53/udp', '80/tcp']);
  });

  it('--director-mac MAC capture', () => {
    const r = check('--director-mac', '00:0c:29:50:d5:63', CAPTURE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.result!.topology.directors.find((d) => d.mac === '00:0c:29:50:d5:63')?.source).toBe('given');
  });

  it('--rs IP=MAC capture, twice', () => {
    const r = check('--rs', '192.168.188.107=00:0c:29:e4:4d:1f', '--rs', '192.168.188.110=00:0c:29:2c:a5:a0', CAPTURE);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.result!.topology.realServers.filter((s) => s.source === 'given').map((s) => s.mac).sort()).toEqual(['00:0c:29:2c:a5:a0', '00:0c:29:e4:4d:1f']);
  });

  it('--rules ID capture and --disable ID capture', () => {
    const only = check('--rules', 'no-reply', CAPTURE);
    expect(only.stderr).toBe('');
    expect(only.status).toBe(0);
    const off = check('--disable', 'no-reply', CAPTURE);
    expect(off.stderr).toBe('');
    expect(off.status).toBe(0);
    expect(only.result!.flows.length).toBeGreaterThan(0);
    expect(off.result!.flows.length).toBe(only.result!.flows.length);
    // The value is read as a rule id: an unknown one is refused, the capture after it still named.
    const unknown = spawnSync(process.execPath, [CLI_BIN, 'check', '--rules', 'no-such-rule', CAPTURE], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown rule 'no-such-rule'");
  });
});
