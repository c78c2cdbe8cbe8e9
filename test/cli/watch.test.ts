/**
 * `tcpdump -U -w - | lvs-pcap watch -`: a fixture capture is fed through a pipe in chunks with
 * pauses. Each finding must come out once, while the pipe is still open, with the time of the
 * frame that proves it (read back with tshark); the summary when the pipe closes or on SIGTERM;
 * /metrics and /healthz while it runs. Expected counts come from the fixture's description
 * (fixtures/lab/expect.py), never from lvs-pcap's own output.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cliBuilt } from '../support/cli.js';
import { sleep, watch } from '../support/watch.js';
import type { FixtureDescription } from '../check/fixture-expectations.js';

const FIXTURE = 'fixtures/arp-ignore-0/bridge';
const description = JSON.parse(readFileSync(`${FIXTURE}.json`, 'utf8')) as FixtureDescription;
const capture = readFileSync(`${FIXTURE}.pcap`);
const TOPOLOGY = [
  ...description.topology.vips.flatMap((v) => ['--vip', `${v.ip}:${v.port}${v.proto === 'udp' ? '/udp' : ''}`]),
  ...description.topology.directors.flatMap((d) => ['--director-mac', d.mac]),
  ...description.topology.realServers.flatMap((r) => ['--rs', `${r.ip}=${r.mac}`]),
];
/** Findings per rule, as the oracle derived them. */
const expected = new Map<string, number>();
for (const f of description.expected.findings) expected.set(f.rule, (expected.get(f.rule) ?? 0) + 1);

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** frame.time_epoch of a frame, as tshark prints it (microseconds). */
function tsharkTime(frame: number): string {
  return execFileSync('tshark', ['-r', `${FIXTURE}.pcap`, '-Y', `frame.number==${frame}`, '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' }).trim();
}

describe.skipIf(!cliBuilt())('lvs-pcap watch (needs dist: npm test builds it)', () => {
  it('prints each finding once, address findings while the pipe is open, then the summary', async () => {
    const w = watch(['-', ...TOPOLOGY]);
    // The first 20 frames (the ARP exchange and a little after), a chunk at a time.
    await w.feed(capture.subarray(0, 24 + 2000), 200, 10);
    await w.waitFor((out) => out.includes(' rs-arp-reply-vip: '), 5000);
    expect(w.stdout()).not.toMatch(/lvs-pcap watch:/);
    await w.feed(capture.subarray(24 + 2000), 1500, 10);
    w.child.stdin.end();
    const status = await w.exited;
    const findingLines = w.lines().filter((l) => / (error|warning|info) [a-z-]+[ :]/.test(l.text) && !l.text.startsWith('lvs-pcap watch'));
    const perRule = new Map<string, number>();
    for (const l of findingLines) {
      const rule = / (?:error|warning|info) ([a-z-]+)/.exec(l.text)![1]!;
      perRule.set(rule, (perRule.get(rule) ?? 0) + 1);
    }
    expect(perRule).toEqual(expected);
    const summary = w.stdout().slice(w.stdout().indexOf('lvs-pcap watch:'));
    expect(summary).toMatch(new RegExp(`^lvs-pcap watch: FAIL: ${description.capture.frames} frames, `));
    for (const [rule, n] of expected) expect(summary).toMatch(new RegExp(`findings: .*\\b${rule} ${n}\\b`));
    expect(status).toBe(1);
  });

  it.skipIf(!hasTshark())('a line carries the time of the frame that proves it, as tshark reads it', async () => {
    const w = watch(['-', ...TOPOLOGY]);
    await w.feed(capture, 1000, 5);
    w.child.stdin.end();
    await w.exited;
    const line = w.lines().find((l) => l.text.includes(' rs-arp-reply-vip: '))!.text;
    const [time, , frame] = line.split(' ');
    const epoch = tsharkTime(Number(frame));
    const [sec, frac] = epoch.split('.');
    expect(time).toBe(`${new Date(Number(sec) * 1000).toISOString().slice(0, 19)}.${frac!.slice(0, 6)}Z`);
  });

  it('--format json: one object per line, the findings then the summary', async () => {
    const w = watch(['-', '--format', 'json', ...TOPOLOGY]);
    w.child.stdin.end(capture);
    expect(await w.exited).toBe(1);
    const objects = w.stdout().trim().split('\n').map((l) => JSON.parse(l) as { type: string; rule?: string; time?: string; frames?: unknown[]; summary?: { frames: number } });
    const findings = objects.filter((o) => o.type === 'finding');
    expect(findings).toHaveLength(description.expected.findings.length);
    for (const f of findings) {
      expect(f.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(f.frames!.length).toBeGreaterThan(0);
    }
    expect(objects.at(-1)!.type).toBe('summary');
    expect(objects.at(-1)!.summary!.frames).toBe(description.capture.frames);
  });

  it('--lines-per-rule: the rest of a rule\'s findings in the minute are counted, not printed', async () => {
    const w = watch(['-', '--lines-per-rule', '3', ...TOPOLOGY]);
    w.child.stdin.end(capture);
    await w.exited;
    const bypass = expected.get('client-bypass')!;
    expect(w.lines().filter((l) => / error client-bypass /.test(l.text))).toHaveLength(3);
    expect(w.stdout()).toContain(`${bypass - 3} more client-bypass findings (error) in this minute not printed (3 a minute are; the metrics count them all)`);
    expect(w.stdout()).toMatch(new RegExp(`findings: .*client-bypass ${bypass}\\b`));
  });

  it('SIGTERM (systemctl stop) while the pipe is open: a summary of what was read', async () => {
    const w = watch(['-', ...TOPOLOGY]);
    await w.feed(capture.subarray(0, Math.floor(capture.length / 2)), 4000, 5);
    await w.waitFor((out) => out.includes(' rs-arp-reply-vip: '), 5000);
    w.child.kill('SIGTERM');
    const status = await w.exited;
    const m = /^lvs-pcap watch: FAIL: (\d+) frames/m.exec(w.stdout());
    expect(Number(m?.[1])).toBeGreaterThan(0);
    expect(Number(m?.[1])).toBeLessThan(description.capture.frames);
    expect(w.stderr()).toContain('interrupted: the report covers the frames read until then');
    expect(status).toBe(1);
  });

  it('--metrics: /metrics counts what was read, /healthz answers while input flows and fails when it stalls', async () => {
    const w = watch(['-', '--metrics', '127.0.0.1:0', '--stale', '1', ...TOPOLOGY]);
    await w.waitFor((err) => /metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/.test(err), 5000, true);
    const base = /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(w.stderr())![1]!;
    expect((await fetch(`${base}/healthz`)).status).toBe(503);
    await w.feed(capture, 2000, 5);
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    // The last chunks may still be in the pipe: the counters reach the capture's frames.
    let text = '';
    for (let i = 0; i < 100 && !text.includes(`lvs_pcap_frames_total ${description.capture.frames}\n`); i++) {
      text = await (await fetch(`${base}/metrics`)).text();
      await sleep(50);
    }
    expect(text).toContain(`lvs_pcap_frames_total ${description.capture.frames}\n`);
    expect(text).toContain(`lvs_pcap_input_bytes_total ${capture.length}\n`);
    expect(text).toMatch(/^# TYPE lvs_pcap_rs_handshake_seconds histogram$/m);
    expect(text).toContain(`lvs_pcap_findings_total{rule="rs-arp-reply-vip",severity="error"} ${expected.get('rs-arp-reply-vip')}\n`);
    expect(text).toContain(`lvs_pcap_findings_total{rule="vip-owner-change",severity="info"} 0\n`);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    await sleep(1600);
    const stale = await fetch(`${base}/healthz`);
    expect(stale.status).toBe(503);
    expect(await stale.text()).toMatch(/^no input for \d+ s \(more than 1 s\)\n$/);
    w.child.stdin.end();
    expect(await w.exited).toBe(1);
  });

  it('bad arguments are one line on stderr and exit 2', async () => {
    for (const [args, message] of [
      [['-', '--metrics', 'localhost'], 'lvs-pcap: --metrics localhost: not HOST:PORT (:9127 listens on every interface)'],
      [['-', '--format', 'table'], 'lvs-pcap: --format table: watch prints text or json lines'],
      [['-', '--stale', '0'], 'lvs-pcap: --stale 0: must be at least 1 second'],
    ] as const) {
      const w = watch([...args]);
      w.child.stdin.end();
      expect(await w.exited).toBe(2);
      expect(w.stderr()).toBe(`${message}\n`);
    }
  });
});
