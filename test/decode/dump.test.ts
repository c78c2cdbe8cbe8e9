import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame } from '../../src/decode/frame.js';
import { frameToDumpRecord } from '../../src/report/dump.js';
import { MAC_A, MAC_B, arp, eth, ip6, ipv4, ipv6, mac, record, tcp, u16, u32, udp } from './build.js';

function dump(bytes: number[], linkType = 1, originalLength?: number) {
  const f = new DecodedFrame();
  const r = record(bytes, linkType, originalLength, 9);
  decodeFrame(r, f);
  return frameToDumpRecord(f);
}

describe('frameToDumpRecord', () => {
  it('Ethernet/VLAN/IPv4/TCP', () => {
    const bytes = [...mac(MAC_B), ...mac(MAC_A), ...u16(0x8100), ...u16(20), ...u16(0x0800),
      ...ipv4({ src: '192.0.2.1', dst: '10.0.0.100', proto: 6, df: true, ttl: 60, id: 7 }, tcp(40000, 80, 0x12, [1, 2], 5, 6))];
    expect(dump(bytes)).toEqual({
      frame: 9,
      time: '1700000000.123456789',
      linktype: 1,
      caplen: bytes.length,
      len: bytes.length,
      eth: { src: MAC_A, dst: MAC_B, type: '0x0800', vlan: [20] },
      ip: { version: 4, src: '192.0.2.1', dst: '10.0.0.100', ttl: 60, id: 7, proto: 6, df: true, mf: false, fragOffset: 0, checksumOk: true },
      tcp: { srcPort: 40000, dstPort: 80, flags: 'SYN,ACK', seq: 5, ack: 6, len: 2 },
    });
  });
  it('ARP', () => {
    const r = dump([...eth('ff:ff:ff:ff:ff:ff', MAC_A, 0x0806), ...arp(2, MAC_A, '10.0.0.100', MAC_B, '10.0.0.1')]);
    expect(r.arp).toEqual({ op: 2, senderMac: MAC_A, senderIp: '10.0.0.100', targetMac: MAC_B, targetIp: '10.0.0.1' });
    expect(r.ip).toBeUndefined();
  });
  it('SLL2 / IPv6 / UDP, with the interface id', () => {
    const bytes = [...u16(0x86dd), 0, 0, ...u32(3), ...u16(1), 4, 6, ...mac(MAC_A), 0, 0, ...ipv6('2001:db8::1', '2001:db8::2', 17, udp(1, 2, [0]), 33)];
    const f = new DecodedFrame();
    const rec = record(bytes, 276);
    rec.interfaceId = 2;
    decodeFrame(rec, f);
    const r = frameToDumpRecord(f);
    expect(r.iface).toBe(2);
    expect(r.eth).toBeUndefined();
    expect(r.sll).toEqual({ src: MAC_A, pkttype: 4, ifindex: 3, type: '0x86dd' });
    expect(r.ip).toEqual({ version: 6, src: '2001:db8::1', dst: '2001:db8::2', hopLimit: 33, proto: 17 });
    expect(r.udp).toEqual({ srcPort: 1, dstPort: 2, len: 1 });
  });
  it('ICMP error with its quote', () => {
    const quoted = ipv4({ src: '10.0.0.100', dst: '192.0.2.9', proto: 6 }, tcp(80, 40000, 0x12)).slice(0, 28);
    const r = dump([...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.254', dst: '10.0.0.100', proto: 1 }, [3, 4, 0, 0, 0, 0, 5, 0xdc, ...quoted])]);
    expect(r.icmp).toEqual({ type: 3, code: 4, quoted: { src: '10.0.0.100', dst: '192.0.2.9', proto: 6, srcPort: 80, dstPort: 40000 } });
  });
  it('Neighbor Advertisement', () => {
    const na = [136, 0, 0, 0, 0x60, 0, 0, 0, ...ip6('2001:db8::100'), 2, 1, ...mac(MAC_B)];
    const r = dump([...eth(MAC_A, MAC_B, 0x86dd), ...ipv6('2001:db8::100', '2001:db8::1', 58, na, 255)]);
    expect(r.icmp).toEqual({ type: 136, code: 0 });
    expect(r.nd).toEqual({ type: 'na', target: '2001:db8::100', flags: 'SO', lladdr: MAC_B });
  });
  it('IPIP tunnel', () => {
    const inner = ipv4({ src: '192.0.2.1', dst: '10.0.0.100', proto: 6 }, tcp(40000, 80, 0x02));
    const r = dump([...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.2', dst: '10.0.0.11', proto: 4 }, inner)]);
    expect(r.encapsulation).toEqual({ type: 'ipip', inner: { version: 4, src: '192.0.2.1', dst: '10.0.0.100', proto: 6, srcPort: 40000, dstPort: 80 } });
    expect(r.tcp).toBeUndefined();
  });
  it('truncated, malformed and weird', () => {
    const full = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcp(1, 2, 0x10))];
    const cut = dump(full.slice(0, 40), 1, full.length);
    expect([cut.truncated, cut.malformed, cut.weird]).toEqual(['tcp', undefined, 'truncated_tcp']);
    const bad = dump([...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, ihl: 3 }, [])]);
    expect([bad.truncated, bad.malformed, bad.weird, bad.ip]).toEqual([undefined, 'ipv4', 'bad_ip_header_length', { version: 4 }]);
  });
  it('an unsupported link type', () => {
    expect(dump([1, 2, 3], 147)).toEqual({ frame: 9, time: '1700000000.123456789', linktype: 147, caplen: 3, len: 3, unsupportedLink: true });
  });
  it('is JSON-serialisable without undefined holes', () => {
    const r = dump([...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(1, 2))]);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
