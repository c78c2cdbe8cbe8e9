/**
 * VRRP advertisements (IP protocol 112): version 2 over IPv4, version 3 over IPv4 and IPv6,
 * checksums, cuts and lies, each checked field by field and, for the built frames, against
 * tshark's vrrp.* fields (the real-keepalived captures are compared in tshark-fixtures).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Layer } from '../../src/decode/frame.js';
import { frameToDumpRecord, vrrpAddresses } from '../../src/report/dump.js';
import { toPcap, frameAt } from '../support/packets.js';
import { MAC_A, eth, ipv4, ipv6, record, vrrp } from './build.js';
import { tsharkAvailable, tsharkDiff } from './tshark-diff.js';

const MCAST4 = '01:00:5e:00:00:12';
const MCAST6 = '33:33:00:00:00:12';

function v2(extra: Partial<Parameters<typeof vrrp>[0]> = {}): number[] {
  const body = vrrp({ version: 2, vrid: 51, priority: 150, interval: 1, addresses: ['192.168.188.120'], ...extra });
  return [...eth(MCAST4, MAC_A, 0x0800), ...ipv4({ src: '192.168.188.108', dst: '224.0.0.18', proto: 112, ttl: 255 }, body)];
}
function v3(extra: Partial<Parameters<typeof vrrp>[0]> = {}): number[] {
  const body = vrrp({ version: 3, vrid: 52, priority: 100, interval: 100, addresses: ['192.168.188.120', '192.168.188.121'], src: '192.168.188.109', dst: '224.0.0.18', ...extra });
  return [...eth(MCAST4, MAC_A, 0x0800), ...ipv4({ src: '192.168.188.109', dst: '224.0.0.18', proto: 112, ttl: 255 }, body)];
}
function v3ip6(extra: Partial<Parameters<typeof vrrp>[0]> = {}): number[] {
  const body = vrrp({ version: 3, vrid: 7, priority: 255, interval: 50, addresses: ['fe80::1', '2001:db8:188::120'], src: 'fe80::20c:29ff:fe50:d563', dst: 'ff02::12', ...extra });
  return [...eth(MCAST6, MAC_A, 0x86dd), ...ipv6('fe80::20c:29ff:fe50:d563', 'ff02::12', 112, body, 255)];
}

function decode(bytes: number[], originalLength?: number): DecodedFrame {
  const f = new DecodedFrame();
  decodeFrame(record(bytes, 1, originalLength), f);
  return f;
}

describe('VRRP', () => {
  it('version 2: VRID, priority, interval in seconds, auth type, address, checksum', () => {
    const f = decode(v2());
    expect([f.vrrpVersion, f.vrrpType, f.vrrpVrid, f.vrrpPriority, f.vrrpAddrCount, f.vrrpAddrsCaptured]).toEqual([2, 1, 51, 150, 1, 1]);
    expect([f.vrrpIntervalCentis, f.vrrpAuthType, f.vrrpChecksum, f.truncated, f.malformed, f.weird]).toEqual([100, 0, 1, false, false, '']);
    expect(vrrpAddresses(f)).toEqual(['192.168.188.120']);
    expect(frameToDumpRecord(f).vrrp).toEqual({
      version: 2,
      type: 1,
      vrid: 51,
      priority: 150,
      addrCount: 1,
      authType: 0,
      advertInt: 1,
      addresses: ['192.168.188.120'],
      checksumOk: true,
    });
  });

  it('version 3 over IPv4: a 12-bit interval in centiseconds, checksum with the pseudo-header', () => {
    const f = decode(v3());
    expect([f.vrrpVersion, f.vrrpVrid, f.vrrpPriority, f.vrrpIntervalCentis, f.vrrpAuthType, f.vrrpChecksum]).toEqual([3, 52, 100, 100, -1, 1]);
    expect(vrrpAddresses(f)).toEqual(['192.168.188.120', '192.168.188.121']);
    expect(frameToDumpRecord(f).vrrp).toMatchObject({ version: 3, maxAdvertInt: 100, checksumOk: true });
    expect(frameToDumpRecord(f).vrrp).not.toHaveProperty('advertInt');
  });

  it('version 3 over IPv6: 16-byte addresses', () => {
    const f = decode(v3ip6());
    expect([f.vrrpVersion, f.vrrpVrid, f.vrrpPriority, f.vrrpIntervalCentis, f.vrrpChecksum]).toEqual([3, 7, 255, 50, 1]);
    expect(vrrpAddresses(f)).toEqual(['fe80::1', '2001:db8:188::120']);
  });

  it('a wrong checksum is reported, not fatal', () => {
    const got = [v2({ badChecksum: true }), v3({ badChecksum: true }), v3ip6({ badChecksum: true })].map((bytes) => {
      const f = decode(bytes);
      return [f.vrrpChecksum, f.vrrpPriority, f.malformed];
    });
    expect(got).toEqual([[0, 150, false], [0, 100, false], [0, 255, false]]);
    // A version 2 checksum computed with a pseudo-header (or the reverse) is wrong too.
    expect(decode(v3({ src: '10.9.9.9' })).vrrpChecksum).toBe(0);
  });

  it('cut by the snaplen: the header is kept, the addresses captured are counted, the checksum not checked', () => {
    const full = v3();
    const f = decode(full.slice(0, 14 + 20 + 8 + 5), full.length);
    expect([f.truncated, f.truncatedLayer, f.weird, f.vrrpVrid, f.vrrpAddrCount, f.vrrpAddrsCaptured, f.vrrpChecksum]).toEqual([
      true, Layer.Vrrp, 'truncated_vrrp', 52, 2, 1, 2,
    ]);
    const g = decode(full.slice(0, 14 + 20 + 5), full.length);
    expect([g.truncated, g.truncatedLayer, g.vrrpVersion]).toEqual([true, Layer.Vrrp, -1]);
  });

  it('a count beyond the message is malformed, the addresses present are kept', () => {
    const f = decode(v2({ count: 9 }));
    expect([f.malformed, f.malformedLayer, f.weird, f.vrrpAddrCount]).toEqual([true, Layer.Vrrp, 'vrrp_addresses_exceed_packet', 9]);
    // Version 2's 8 bytes of authentication data are read as addresses, as tshark reads them.
    expect(f.vrrpAddrsCaptured).toBe(3);
  });

  it('an unknown version is read with the version 2 layout and named', () => {
    const bytes = v2();
    bytes[34] = 0x41;
    const f = decode(bytes);
    expect([f.vrrpVersion, f.vrrpAuthType, f.vrrpIntervalCentis, f.weird, f.malformed]).toEqual([4, 0, 100, 'vrrp_unknown_version', false]);
  });

  it('the first fragment of a VRRP datagram: header read, checksum not checked', () => {
    const body = vrrp({ version: 2, vrid: 51, priority: 150, interval: 1, addresses: ['192.168.188.120'] });
    const f = decode([...eth(MCAST4, MAC_A, 0x0800), ...ipv4({ src: '192.168.188.108', dst: '224.0.0.18', proto: 112, ttl: 255, mf: true }, body)]);
    expect([f.vrrpVrid, f.vrrpChecksum]).toEqual([51, 2]);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'lvs-pcap-vrrp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!tsharkAvailable())('VRRP against tshark', () => {
  it('every built advertisement, field by field', async () => {
    const frames = [v2(), v3(), v3ip6(), v2({ badChecksum: true }), v3({ authType: 0, interval: 4095 }), v2({ authType: 1, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'] }), v2({ count: 9 })];
    const path = join(dir, 'built.pcap');
    writeFileSync(path, toPcap(frames.map((b, i) => frameAt(Uint8Array.from(b), 1_700_000_000 + i, 0))));
    const r = await tsharkDiff(path);
    expect(r.frames).toBe(frames.length);
    expect(r.differences.filter((d) => d.explanation === undefined)).toEqual([]);
    // The fields were compared, not skipped: at least the header's five per frame.
    expect(r.matched).toBeGreaterThan(frames.length * 5);
  });
});
