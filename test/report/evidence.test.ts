import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read.js';
import { checkCaptures } from '../../src/check/check.js';
import { writeEvidence } from '../../src/report/evidence.js';
import { FIXTURES } from '../check/fixture-expectations.js';
import { orSkipped } from '../support/skip.js';

const tshark = spawnSync('tshark', ['--version']).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function frames(path: string): Promise<{ frame: number; bytes: string }[]> {
  const out: { frame: number; bytes: string }[] = [];
  await readCapture(path, {
    onRecord: (r) => out.push({ frame: r.frameNumber, bytes: Buffer.from(r.data.subarray(r.offset, r.offset + r.capturedLength)).toString('hex') }),
    onIssue: () => {},
  });
  return out;
}

describe('--write-evidence', () => {
  const capture = join(FIXTURES, 'arp-announce-0', 'bridge.pcap');

  it('holds exactly the cited frames, byte for byte, in original order', async () => {
    const result = await checkCaptures([capture]);
    const cited = [...new Set(result.findings.flatMap((f) => f.frames.map((r) => r.frame)))].sort((a, b) => a - b);
    expect(cited.length).toBeGreaterThan(3);
    const out = join(dir, 'evidence.pcap');
    const summary = await writeEvidence(result, out, { flows: false });
    expect(summary.frames).toBe(cited.length);
    const original = new Map((await frames(capture)).map((f) => [f.frame, f.bytes]));
    const written = await frames(out);
    expect(written.map((f) => f.bytes)).toEqual(cited.map((n) => original.get(n)));
  });

  it.skipIf(!tshark)(orSkipped('opens in tshark with the same frames', tshark ? undefined : 'tshark is not installed'), async () => {
    const result = await checkCaptures([capture]);
    const out = join(dir, 'evidence-tshark.pcap');
    const summary = await writeEvidence(result, out, { flows: false });
    const r = spawnSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.number', '-e', 'eth.src', '-e', 'arp.src.proto_ipv4'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBe(summary.frames);
    // The RS's ARP requests with the VIP as sender are among the proof.
    expect(lines.some((l) => l.endsWith('\t192.168.188.120'))).toBe(true);
  });

  it('with flows, adds every frame of the flows concerned', async () => {
    const result = await checkCaptures([capture]);
    const only = await writeEvidence(result, join(dir, 'e1.pcap'), { flows: false });
    const withFlows = await writeEvidence(result, join(dir, 'e2.pcap'), { flows: true });
    const flowFrames = result.flows.filter((f) => f.verdict === 'fail').reduce((n, f) => n + f.packets.toDirector + f.packets.forwarded + f.packets.replies + f.packets.bypass, 0);
    expect(withFlows.frames).toBeGreaterThan(only.frames);
    expect(withFlows.frames).toBeGreaterThanOrEqual(flowFrames);
  });
});
