/**
 * The check command as CI runs it: spawned `node dist/cli/main.js`, exit statuses 0/1/2, files
 * written by --format NAME:FILE and --output. Builds dist first so the test sees this source.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, CLI_BUNDLE, cliBuilt } from '../support/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = CLI_BIN;
const XSD = join(ROOT, 'test/report/junit.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
let dir = '';

const TOPOLOGY = [
  '--vip', '192.168.188.120:80', '--vip', '192.168.188.120:53/udp',
  '--director-mac', '00:0c:29:50:d5:63',
  '--rs', '192.168.188.107=00:0c:29:e4:4d:1f', '--rs', '192.168.188.110=00:0c:29:2c:a5:a0',
];
const HEALTHY = 'fixtures/healthy/bridge.pcap';
const BROKEN = 'fixtures/arp-ignore-0/bridge.pcap';
const TRUNCATED = 'fixtures/truncated/bridge.pcap';
/** A classic pcap header (Ethernet, microseconds) and no record. */
const EMPTY_PCAP = Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'check', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Newest modification time under a directory, in ms. */
function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

beforeAll(() => {
  // Only when the bundle is older than src: `npm test` has just built it, and rebuilding while
  // other test files spawn the CLI would let them load half-written files.
  if (!cliBuilt() || statSync(CLI_BUNDLE).mtimeMs < newest(join(ROOT, 'src'))) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
  dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-cli-'));
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('check: exit status as a CI gate', () => {
  it('0 on a healthy capture, nothing on stderr', () => {
    const r = run(HEALTHY, ...TOPOLOGY);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^lvs-pcap check: PASS/);
  });

  it('1 on error findings (default --fail-on error), silently; with a gate set, the reason on stderr', () => {
    const r = run(BROKEN, ...TOPOLOGY);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const explicit = run(BROKEN, ...TOPOLOGY, '--fail-on', 'warning');
    expect(explicit.status).toBe(1);
    expect(explicit.stderr).toMatch(/^lvs-pcap: FAIL: \d+ error findings \(--fail-on warning\)\n$/);
  });

  it('an incomplete flow passes by default and fails with --fail-on incomplete or --strict', () => {
    // The capture is cut before the UDP queries: only the TCP service is named.
    const tcpOnly = TOPOLOGY.filter((a, i) => a !== '192.168.188.120:53/udp' && TOPOLOGY[i + 1] !== '192.168.188.120:53/udp');
    expect(run(TRUNCATED, ...tcpOnly).status).toBe(0);
    expect(run(TRUNCATED, ...tcpOnly, '--fail-on', 'warning').status).toBe(0);
    const strict = run(TRUNCATED, ...tcpOnly, '--strict');
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain('lvs-pcap: FAIL: 1 incomplete flow (--fail-on incomplete)\n');
    expect(strict.stdout).toContain('CI gate: FAILED (exit 1)');
    expect(run(TRUNCATED, ...tcpOnly, '--fail-on', 'incomplete').status).toBe(1);
    expect(run(TRUNCATED, ...tcpOnly, '--strict', '--fail-on', 'incomplete').status).toBe(1);
  });

  it('a --vip no flow reaches fails (exit 1), naming the destinations the capture does carry', () => {
    const r = run(HEALTHY, '--vip', '10.9.9.9:80');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/vip-unreached/);
    expect(r.stdout).toMatch(/no flow reached 10\.9\.9\.9:80\/tcp; the capture carries traffic to 192\.168\.188\.120:80\/tcp \(\d+ flows, looks like a VIP\)/);
    // A wrong port of the right address: that address is named first.
    const port = run(HEALTHY, '--vip', '192.168.188.120:8080');
    expect(port.status).toBe(1);
    expect(port.stdout).toMatch(/no flow reached 192\.168\.188\.120:8080\/tcp; the capture carries traffic to 192\.168\.188\.120:/);
  });

  it('no VIP given and no traffic at all stays no-traffic, exit 0', () => {
    const r = spawnSync(process.execPath, [MAIN, 'check', '-'], { cwd: ROOT, encoding: 'utf8', input: EMPTY_PCAP, env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/NO TRAFFIC|no-traffic/i);
  });

  it('--min-flows: 1 with one stderr line when the capture holds fewer VIP flows', () => {
    const ok = run(HEALTHY, ...TOPOLOGY, '--min-flows', '1');
    expect(ok.status).toBe(0);
    const r = run(HEALTHY, ...TOPOLOGY, '--min-flows', '1000');
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^lvs-pcap: FAIL: \d+ VIP flows in the capture, expected at least 1000 \(--min-flows\)$/)]);
    expect(r.stdout).toContain('expected at least 1000 (--min-flows)');
  });

  it('--min-flows fails a capture without any VIP traffic', () => {
    const r = run(HEALTHY, '--vip', '10.9.9.9:80', '--min-flows', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('0 VIP flows in the capture, expected at least 1 (--min-flows)');
  });

  it('--expect-rs: 1 when fewer real servers received flows', () => {
    expect(run(HEALTHY, ...TOPOLOGY, '--expect-rs', '2').status).toBe(0);
    const r = run(HEALTHY, ...TOPOLOGY, '--expect-rs', '3');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('lvs-pcap: FAIL: 2 real servers received flows, expected at least 3 (--expect-rs)\n');
  });
});

describe('check: usage errors exit 2 naming the bad value', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown format', ['--format', 'xml'], /--format xml: unknown format 'xml'/],
    ['unknown format with a file', ['--format', 'pdf:r.pdf'], /unknown format 'pdf'/],
    ['format with an empty file', ['--format', 'junit:'], /--format junit:: no file name/],
    ['two formats to stdout', ['--format', 'table', '--format', 'json'], /table and json would both go to stdout/],
    ['two formats to one file', ['--format', `junit:${tmpdir()}/x`, '--format', `markdown:${tmpdir()}/x`], /is already the file of --format junit:/],
    ['--output with every format in a file', ['--format', 'junit:a.xml', '--output', 'b.xml'], /--output b\.xml: every --format already names its file/],
    ['--output twice', ['--output', 'a', '--output', 'b'], /--output given 2 times/],
    ['bad --fail-on', ['--fail-on', 'fatal'], /--fail-on fatal: unknown level \(one of error, warning, incomplete\)/],
    ['--strict against --fail-on', ['--strict', '--fail-on', 'error'], /--strict means --fail-on incomplete/],
    ['non-numeric --min-flows', ['--min-flows', 'ten'], /--min-flows ten: not a whole number/],
    ['negative --expect-rs', ['--expect-rs=-1'], /--expect-rs -1: not a whole number/],
    ['fractional --expect-rs', ['--expect-rs', '1.5'], /--expect-rs 1\.5: not a whole number/],
    ['a missing keepalived.conf', ['--keepalived', 'no/such.conf'], /^lvs-pcap: --keepalived no\/such\.conf: no such file$/m],
    ['keepalived.conf from stdin', ['--keepalived', '-'], /--keepalived -: give the file/],
    [
      'a keepalived.conf keepalived would reject',
      ['--keepalived', 'test/topology/samples/keepalived/bad-lb-kind.conf'],
      /^lvs-pcap: test\/topology\/samples\/keepalived\/bad-lb-kind\.conf:4: lb_kind: unknown forwarding method 'dr' \(DR, NAT or TUN; keepalived's are case-sensitive\)$/m,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = run(HEALTHY, ...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }

  it('an unwritable output file', () => {
    const r = run(HEALTHY, '--format', 'junit:/nonexistent-dir/r.xml');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('lvs-pcap: --format junit:/nonexistent-dir/r.xml: cannot write /nonexistent-dir/r.xml: no such directory\n');
  });
});

describe('check: several formats in one run', () => {
  it('table on stdout, junit, markdown and json to files, one analysis', () => {
    const junit = join(dir, 'report.xml');
    const md = join(dir, 'summary.md');
    const json = join(dir, 'result.json');
    const r = run(BROKEN, ...TOPOLOGY, '--format', 'table', '--format', `junit:${junit}`, '--format', `markdown:${md}`, '--format', `json:${json}`);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^lvs-pcap check: FAIL/);
    expect(readFileSync(junit, 'utf8')).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="lvs-pcap"/);
    expect(readFileSync(md, 'utf8')).toMatch(/^## ❌ FAIL: lvs-pcap check\n/);
    const fromFile = JSON.parse(readFileSync(json, 'utf8')) as { verdict: string };
    expect(fromFile.verdict).toBe('fail');
    expect(readFileSync(json, 'utf8')).toBe(run(BROKEN, ...TOPOLOGY, '--format', 'json').stdout);
    if (hasXmllint) expect(spawnSync('xmllint', ['--noout', '--schema', XSD, junit]).status).toBe(0);
  });

  it('--output writes the single format; stdout stays empty', () => {
    const out = join(dir, 'only.xml');
    const r = run(HEALTHY, ...TOPOLOGY, '--format', 'junit', '--output', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toContain('<testsuite name="fixtures/healthy/bridge.pcap"');
  });

  it('--output goes with the format without a file; the others keep theirs', () => {
    const out = join(dir, 'o.md');
    const xml = join(dir, 'o.xml');
    const r = run(HEALTHY, ...TOPOLOGY, '--format', 'markdown', '--format', `junit:${xml}`, '-o', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^## ✅ PASS/);
    expect(existsSync(xml)).toBe(true);
  });

  it('NAME:- sends that format to stdout, all others to files', () => {
    const xml = join(dir, 'dash.xml');
    const r = run(HEALTHY, ...TOPOLOGY, '--format', 'markdown:-', '--format', `junit:${xml}`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^## ✅ PASS/);
    expect(existsSync(xml)).toBe(true);
  });

  it('files are written when the gate fails too', () => {
    const xml = join(dir, 'gate.xml');
    const r = run(HEALTHY, ...TOPOLOGY, '--format', `junit:${xml}`, '--min-flows', '1000');
    expect(r.status).toBe(1);
    expect(readFileSync(xml, 'utf8')).toContain('<testsuite name="lvs-pcap gate" tests="1" failures="1"');
  });

  it('--help documents the syntax', () => {
    const r = spawnSync(process.execPath, [MAIN, 'check', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const s of ['NAME:FILE', '--output', '--fail-on', '--strict', '--expect-rs', '--min-flows', 'table, json, junit, markdown', 'junit:report.xml']) expect(r.stdout).toContain(s);
  });
});
