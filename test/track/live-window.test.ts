// Watching a live director for days, the claims of an address are more than the 5,000 a check
// keeps: live, the latest are kept, so a real server that starts answering ARP for the VIP
// after thousands of the director's answers is still found. A check of a file keeps the first
// 5,000.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { MAX_SEQUENCE } from '../../src/track/claims.js';
import type { Finding } from '../../src/result/result.js';
import { arpReply, CLIENT, DIRECTOR, RS1, sequence, toPcap, VIP } from '../support/packets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-live-window-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a live check keeps the latest claims', () => {
  it('finds a real server answering for the VIP after more claims than a check keeps', async () => {
    // The director answers the client's ARP for the VIP every 10 s (its cache refreshing), then RS1 answers too.
    const frames = sequence([...Array.from({ length: MAX_SEQUENCE + 500 }, () => arpReply(DIRECTOR, VIP, CLIENT)), arpReply(RS1, VIP, CLIENT)], 10_000_000);
    const path = join(dir, 'claims.pcap');
    writeFileSync(path, toPcap(frames));
    const given = { services: [{ vip: VIP, port: 80, proto: 'tcp' as const }], directorMacs: [DIRECTOR.mac], realServers: [{ ip: RS1.ip, mac: RS1.mac }], sources: [] };
    const told: Finding[] = [];
    const live = await checkCaptures([path], { given, onFinding: (f) => told.push(f) });
    const last = frames.length;
    expect(live.findings.filter((f) => f.rule === 'rs-arp-reply-vip').map((f) => f.frames.map((x) => x.frame))).toEqual([[last]]);
    expect(told.filter((f) => f.rule === 'rs-arp-reply-vip')).toHaveLength(1);
    // A check of the same file reads the first 5,000 claims of the address.
    const batch = await checkCaptures([path], { given });
    expect(batch.findings.filter((f) => f.rule === 'rs-arp-reply-vip')).toEqual([]);
  });
});
