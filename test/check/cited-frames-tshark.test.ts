/**
 * Findings cite Wireshark's frame numbers: every cited frame, looked up by number in tshark's
 * own decode of the capture, must be the frame the finding talks about (the flow's client
 * endpoint, the claimed address and the claimant's MAC, the RS MAC a bypass went to...).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import type { Finding } from '../../src/result/result.js';
import { givenFrom, listFixtures } from './fixture-expectations.js';
import { orSkipped } from '../support/skip.js';

const tshark = spawnSync('tshark', ['--version']).status === 0;
const FIELDS = [
  'frame.number',
  'eth.src',
  'eth.dst',
  'sll.src.eth',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'udp.srcport',
  'udp.dstport',
  'arp.src.proto_ipv4',
  'arp.src.hw_mac',
  'icmpv6.nd.na.target_address',
] as const;
type Row = Record<(typeof FIELDS)[number], string>;

function decode(path: string): Map<number, Row> {
  const args = ['-r', path, '-T', 'fields', '-E', 'occurrence=f', '-E', 'separator=/t', ...FIELDS.flatMap((f) => ['-e', f])];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  const rows = new Map<number, Row>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const v = line.split('\t');
    const row = Object.fromEntries(FIELDS.map((f, i) => [f, v[i] ?? ''])) as Row;
    rows.set(Number(row['frame.number']), row);
  }
  return rows;
}

function check(f: Finding, row: Row | undefined, proving: boolean): string | null {
  if (!row) return 'no such frame in tshark';
  const src = row['ip.src'] || row['ipv6.src'];
  const dst = row['ip.dst'] || row['ipv6.dst'];
  const sport = row['tcp.srcport'] || row['udp.srcport'];
  const dport = row['tcp.dstport'] || row['udp.dstport'];
  if (f.flow && proving) {
    const c = f.flow.client;
    const hasClient = (src === c.ip && sport === String(c.port)) || (dst === c.ip && dport === String(c.port));
    if (!hasClient) return `frame does not carry client ${c.ip}:${c.port} (${src}:${sport} -> ${dst}:${dport})`;
    if (f.rule === 'client-bypass' && f.mac && row['eth.dst'] !== f.mac) return `bypass frame goes to ${row['eth.dst']}, not ${f.mac}`;
  }
  if (!f.flow && f.mac && ['rs-arp-reply-vip', 'rs-arp-announce-vip', 'vip-mac-conflict', 'vip-owner-change', 'rs-nd-vip'].includes(f.rule)) {
    const claimant = row['arp.src.hw_mac'] || row['eth.src'] || row['sll.src.eth'];
    if (claimant !== f.mac) return `claim frame is from ${claimant}, not ${f.mac}`;
    if (!row['arp.src.proto_ipv4'] && !row['icmpv6.nd.na.target_address']) return 'not an ARP or NA frame';
  }
  return null;
}

describe.skipIf(!tshark)(orSkipped('cited frames are the frames tshark shows with those numbers', tshark ? undefined : 'tshark is not installed'), () => {
  for (const fx of listFixtures()) {
    it(fx.name, async () => {
      const r = await checkCaptures([fx.capturePath], { given: givenFrom(fx.description) });
      const rows = decode(fx.capturePath);
      const problems: string[] = [];
      for (const f of r.findings) {
        f.frames.forEach((ref, i) => {
          const p = check(f, rows.get(ref.frame), i === 0);
          if (p) problems.push(`${f.rule} frame ${ref.frame}: ${p}`);
        });
      }
      expect(problems).toEqual([]);
    });
  }
});
