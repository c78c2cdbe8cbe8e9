/**
 * Live use: `tcpdump -U -w - | lvs-pcap check - --follow`. A capture is fed through a pipe in
 * chunks with pauses; findings must appear on stdout while the input is still open, and the
 * full report when it closes. Also Ctrl-C: the report covers what was read.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_BIN, cliBuilt } from '../support/cli.js';
import { DIRECTOR, drConversation, RS1, RS2, T0, VIP, toPcap, type TestFrame } from '../support/packets.js';
import { orSkipped } from '../support/skip.js';

const ROOT = join(import.meta.dirname, '../..');
const MAIN = CLI_BIN;
const TOPOLOGY = ['--vip', `${VIP}:80`, '--director-mac', DIRECTOR.mac, '--rs', `${RS1.ip}=${RS1.mac}`, '--rs', `${RS2.ip}=${RS2.mac}`];

/** Eight connections 5 s apart; every second one answered from the RS's real IP (reply-src-vip). */
function capture(): Uint8Array {
  const frames: TestFrame[] = [];
  for (let i = 0; i < 8; i++) {
    frames.push(...drConversation({ clientPort: 42000 + i, startSeconds: T0 + 5 * i, ...(i % 2 === 1 ? { replySrc: RS1.ip } : {}) }));
  }
  return toPcap(frames);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the process `pid` sits idle: asleep, and no CPU time spent for `quietMs`. A CLI
 * started on a loaded machine can take seconds to reach its read of stdin (and its Ctrl-C
 * handler); a fixed pause would then send SIGINT to a process that is still starting. Linux's
 * /proc tells instead: fields 3 (state), 14 and 15 (user and system ticks) of /proc/PID/stat.
 */
async function untilIdle(pid: number, quietMs = 300, limitMs = 20_000): Promise<void> {
  const sample = (): { state: string; ticks: number } => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return { state: fields[0]!, ticks: Number(fields[11]) + Number(fields[12]) };
  };
  const started = Date.now();
  let quietSince = Date.now();
  let last = sample();
  while (Date.now() - started < limitMs) {
    await sleep(25);
    const now = sample();
    if (now.state !== 'S' || now.ticks !== last.ticks) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return;
    last = now;
  }
  throw new Error(`process ${pid} still busy after ${limitMs} ms`);
}

describe.skipIf(!cliBuilt())(orSkipped('check - --follow', cliBuilt() ? undefined : 'the CLI bundle is not built (npm test builds it)'), () => {
  it('prints findings while the pipe is still open, then the full report when it closes', async () => {
    const bytes = capture();
    const child = spawn(process.execPath, [MAIN, 'check', '-', '--follow', ...TOPOLOGY], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    // First half of the capture in small chunks with pauses, as tcpdump -U delivers it.
    const half = Math.floor(bytes.length / 2);
    for (let o = 0; o < half; o += 700) {
      child.stdin.write(bytes.subarray(o, Math.min(half, o + 700)));
      await sleep(5);
    }
    await sleep(1500);
    const beforeEnd = stdout;
    child.stdin.end(bytes.subarray(half));
    const status = await done;
    expect(beforeEnd).toMatch(/^frame \d+: error reply-src-vip 192\.168\.188\.111:42001 -> 192\.168\.188\.120:80\/tcp: reply to/m);
    expect(beforeEnd).not.toMatch(/Summary:/);
    expect(stdout).toMatch(/Summary: FAIL: 8 flows \(4 pass, 4 fail, 0 incomplete\)/);
    expect(stdout.match(/^frame \d+: error reply-src-vip/gm)?.length).toBe(4);
    expect(status).toBe(1);
  });

  it('tells an address finding as soon as the claims show it, not at the end', async () => {
    // arp-ignore-0: the real servers answer the clients' ARP requests for the VIP (frames 2-4).
    const bytes = readFileSync(join(ROOT, 'fixtures/arp-ignore-0/bridge.pcap'));
    const child = spawn(process.execPath, [MAIN, 'check', '-', '--follow', ...TOPOLOGY], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The file header and the first 10 frames, then nothing for a while: the pipe stays open.
    child.stdin.write(bytes.subarray(0, 24 + 1000));
    for (let i = 0; i < 100 && !/ rs-arp-reply-vip: /.test(stdout); i++) await sleep(50);
    const beforeEnd = stdout;
    child.stdin.end(bytes.subarray(24 + 1000));
    await done;
    expect(beforeEnd).toMatch(/^frame 2: error rs-arp-reply-vip: real server 192\.168\.188\.110 \(00:0c:29:2c:a5:a0\) answered ARP for the VIP 192\.168\.188\.120/m);
    expect(beforeEnd).not.toMatch(/Summary:/);
    // Told once: the end of the input does not repeat it.
    expect(stdout.match(/^frame 2: error rs-arp-reply-vip/gm)).toHaveLength(1);
  });

  it('Ctrl-C while the pipe is open: the report covers what was read', async () => {
    const bytes = capture();
    const child = spawn(process.execPath, [MAIN, 'check', '-', ...TOPOLOGY], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    await sleep(1500);
    child.kill('SIGINT');
    child.stdin.write(bytes.subarray(Math.floor(bytes.length / 2), Math.floor(bytes.length / 2) + 100));
    const status = await done;
    expect(stderr).toMatch(/interrupted: the report covers the frames read until then/);
    expect(stdout).toMatch(/Summary: FAIL:/);
    expect(status).toBe(1);
  });

  it('Ctrl-C before the pipe has sent a byte: stops at once and reports on the nothing it read', async () => {
    const child = spawn(process.execPath, [MAIN, 'check', '-', '--follow', ...TOPOLOGY], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    // The writer stays open and silent, as a tcpdump that has not seen a packet yet.
    await untilIdle(child.pid!);
    const interruptedAt = Date.now();
    child.kill('SIGINT');
    const stopped = await Promise.race([done.then(() => true), sleep(5000).then(() => false)]);
    const waited = Date.now() - interruptedAt;
    if (!stopped) child.kill('SIGKILL');
    child.stdin.destroy();
    expect(stopped, `still running ${waited} ms after Ctrl-C`).toBe(true);
    expect(stderr).toMatch(/interrupted: the report covers the frames read until then/);
    expect(stdout).toMatch(/^lvs-pcap check: /m);
    expect(stdout).toMatch(/^Summary: .*; 0 frames$/m);
  });
});
