import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Layer, TcpFlag } from '../../src/decode/frame.js';
import { formatIpv4, formatIpv6 } from '../../src/decode/format.js';
import { MAC_A, MAC_B, eth, ipv4, ipv6, record, tcp, u16, u32, udp } from './build.js';

function decode(bytes: number[], linkType = 1, originalLength?: number): DecodedFrame {
  const f = new DecodedFrame();
  decodeFrame(record(bytes, linkType, originalLength), f);
  return f;
}
const E4 = eth(MAC_B, MAC_A, 0x0800);
const E6 = eth(MAC_B, MAC_A, 0x86dd);

describe('IPv4', () => {
  it('reads every header field and verifies the checksum', () => {
    const f = decode([...E4, ...ipv4({ src: '192.0.2.1', dst: '198.51.100.7', proto: 6, ttl: 63, id: 0xbeef, df: true }, tcp(1234, 443, 0x18, [1, 2, 3]))]);
    expect(formatIpv4(f.ipSrc)).toBe('192.0.2.1');
    expect(formatIpv4(f.ipDst)).toBe('198.51.100.7');
    expect([f.ipTtl, f.ipId, f.ipProto, f.ipHeaderLength, f.ipTotalLength]).toEqual([63, 0xbeef, 6, 20, 43]);
    expect([f.ipDontFragment, f.ipMoreFragments, f.ipFragmentOffset, f.ipChecksumOk]).toEqual([true, false, 0, true]);
    expect([f.ipOffset, f.ipPayloadOffset, f.ipPayloadLength, f.ipPayloadWireLength]).toEqual([f.offset + 14, f.offset + 34, 23, 23]);
  });
  it('reports a bad header checksum without stopping', () => {
    const bytes = [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(53, 53))];
    bytes[14 + 10] ^= 0xff;
    const f = decode(bytes);
    expect(f.ipChecksumOk).toBe(false);
    expect(f.srcPort).toBe(53);
  });
  it('skips options', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, options: [0x94, 4, 0, 0, 1, 1, 1, 0] }, tcp(1, 2, 0x02))]);
    expect([f.ipHeaderLength, f.ipChecksumOk, f.srcPort, f.dstPort]).toEqual([28, true, 1, 2]);
  });
  it('fragments: offset in bytes; a non-first fragment has no L4 header', () => {
    const first = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, mf: true }, udp(5000, 6000, new Array(16).fill(0), 1000))]);
    expect([first.ipMoreFragments, first.ipFragmentOffset, first.srcPort]).toEqual([true, 0, 5000]);
    const later = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17, fragOffset: 1480 }, udp(5000, 6000))]);
    expect([later.ipMoreFragments, later.ipFragmentOffset, later.srcPort, later.l4Offset, later.malformed]).toEqual([false, 1480, -1, -1, false]);
  });
  it('IHL < 5 is malformed (bad_ip_header_length) and stops before the addresses', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, ihl: 4 }, tcp(1, 2, 2))]);
    expect([f.malformed, f.malformedLayer, f.weird, f.ipVersion, f.ipSrc, f.srcPort]).toEqual([true, Layer.IPv4, 'bad_ip_header_length', 4, -1, -1]);
  });
  it('total length below the header length is malformed', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 19 }, tcp(1, 2, 2))]);
    expect([f.malformed, f.weird, f.ipSrc]).toEqual([true, 'ip_total_length_too_small', -1]);
  });
  it('total length beyond the wire frame: malformed, decoding goes on with the wire length (as tshark)', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 1000 }, tcp(1, 2, 0x10, [9, 9]))]);
    expect([f.malformed, f.malformedLayer, f.weird]).toEqual([true, Layer.IPv4, 'ip_total_length_exceeds_packet']);
    expect([f.srcPort, f.l4PayloadLength]).toEqual([1, 2]);
  });
  it('total length beyond the captured bytes but within the wire length is a snaplen cut: payload length from the header', () => {
    const bytes = [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 1040 }, tcp(1, 2, 0x10))];
    const f = decode(bytes, 1, 1054);
    expect([f.malformed, f.truncated, f.ipPayloadLength, f.ipPayloadWireLength, f.l4PayloadLength]).toEqual([false, false, 20, 1020, 1000]);
  });
  it('total length 0 is segmentation offload: the wire length is used', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 0 }, tcp(1, 2, 0x10, new Array(100).fill(1)))]);
    expect([f.malformed, f.ipTotalLength, f.l4PayloadLength]).toEqual([false, 0, 100]);
  });
  it('ignores Ethernet padding after the IP packet', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcp(1, 2, 0x10)), 0, 0, 0, 0, 0, 0]);
    expect([f.ipPayloadLength, f.l4PayloadLength]).toEqual([20, 0]);
  });
  it('a version-6 packet under EtherType 0x0800 is decoded as IPv6 (as tshark does)', () => {
    expect(decode([...E4, ...ipv6('::1', '::2', 59, [])]).ipVersion).toBe(6);
  });
  it('an IPv4 header with another version is malformed', () => {
    const bytes = [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6 }, tcp(1, 2, 2))];
    bytes[14] = 0x55;
    expect(decode(bytes).weird).toBe('bad_ip_version');
  });
});

describe('IPv6', () => {
  it('reads the fixed header', () => {
    const f = decode([...E6, ...ipv6('2001:db8::1', 'fe80::25a:28ff:fe08:f150', 6, tcp(1, 2, 0x02), 57)]);
    expect(formatIpv6(f.ip6Src)).toBe('2001:db8::1');
    expect(formatIpv6(f.ip6Dst)).toBe('fe80::25a:28ff:fe08:f150');
    expect([f.ipSrc, f.ipTtl, f.ipProto, f.ipHeaderLength, f.ipTotalLength, f.ipId, f.ipFragmentOffset]).toEqual([-1, 57, 6, 40, 60, -1, -1]);
    expect(f.srcPort).toBe(1);
  });
  it('walks hop-by-hop, routing, destination options and AH', () => {
    const chain = [
      43, 0, 1, 4, 0, 0, 0, 0, // hop-by-hop: next routing, len 0 (8 bytes), PadN
      60, 2, 0, 0, 0, 0, 0, 0, ...new Array(16).fill(0), // routing: next dest-opts, len 2 (24 bytes)
      51, 0, 1, 4, 0, 0, 0, 0, // destination options: next AH
      6, 4, 0, 0, ...u32(0x100), ...u32(1), ...new Array(12).fill(0), // AH: next TCP, payload len 4 -> 24 bytes
    ];
    const f = decode([...E6, ...ipv6('2001:db8::1', '2001:db8::2', 0, [...chain, ...tcp(7, 8, 0x12)])]);
    expect([f.ipProto, f.ipHeaderLength, f.srcPort, f.dstPort, f.tcpFlags]).toEqual([6, 40 + 8 + 24 + 8 + 24, 7, 8, 0x12]);
  });
  it('fragment header: id, offset, more; the first fragment keeps its L4 header', () => {
    const first = decode([...E6, ...ipv6('::1', '::2', 44, [17, 0, ...u16(0 | 1), ...u32(0xdeadbeef), ...udp(1, 2, [], 3000)])]);
    expect([first.ipId, first.ipFragmentOffset, first.ipMoreFragments, first.ipProto, first.srcPort]).toEqual([0xdeadbeef, 0, true, 17, 1]);
    const later = decode([...E6, ...ipv6('::1', '::2', 44, [17, 0, ...u16(1448), ...u32(7), 1, 2, 3, 4, 5, 6, 7, 8])]);
    expect([later.ipId, later.ipFragmentOffset, later.ipMoreFragments, later.ipProto, later.srcPort]).toEqual([7, 1448, false, 17, -1]);
  });
  it('stops at ESP and no-next-header', () => {
    expect(decode([...E6, ...ipv6('::1', '::2', 50, [0, 0, 1, 0, 0, 0, 0, 1])]).ipProto).toBe(50);
    expect(decode([...E6, ...ipv6('::1', '::2', 59, [])]).ipProto).toBe(59);
  });
  it('an extension header running past the payload is malformed', () => {
    const f = decode([...E6, ...ipv6('::1', '::2', 0, [6, 9, 0, 0, 0, 0, 0, 0])]);
    expect([f.malformed, f.malformedLayer, f.weird, f.ipProto]).toEqual([true, Layer.IPv6, 'ipv6_extension_header_exceeds_packet', -1]);
  });
  it('payload length 0 (segmentation offload / BIG TCP) uses the wire length', () => {
    const f = decode([...E6, ...ipv6('::1', '::2', 6, tcp(1, 2, 0x18, [1, 2, 3, 4]), 64, 0)]);
    expect([f.malformed, f.srcPort, f.l4PayloadLength]).toEqual([false, 1, 4]);
  });
});

describe('TCP', () => {
  const v4 = (seg: number[], total?: number): number[] => [...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: total }, seg)];
  it('reads ports, seq, ack, flags with NS, window, lengths', () => {
    const f = decode(v4(tcp(40000, 80, TcpFlag.NS | TcpFlag.SYN | TcpFlag.ECE | TcpFlag.CWR, [], 0xfffffffe, 0x80000000)));
    expect([f.srcPort, f.dstPort, f.tcpSeq, f.tcpAck, f.tcpFlags, f.tcpWindow, f.tcpHeaderLength]).toEqual([
      40000, 80, 0xfffffffe, 0x80000000, 0x1c2, 65535, 20,
    ]);
    expect([f.l4Offset, f.l4PayloadOffset, f.l4PayloadLength]).toEqual([f.offset + 34, f.offset + 54, 0]);
  });
  it('skips options; payload length comes from the IP lengths', () => {
    const f = decode(v4(tcp(1, 2, 0x18, [1, 2, 3, 4, 5], 1, 1, 8, [2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 1, 1, 0])));
    expect([f.tcpHeaderLength, f.l4PayloadLength]).toEqual([32, 5]);
  });
  it('data offset < 5 is malformed after the ports, seq and ack (as tshark stops before the flags)', () => {
    const f = decode(v4(tcp(1, 2, 0x12, [], 5, 6, 4)));
    expect([f.malformed, f.malformedLayer, f.weird, f.srcPort, f.tcpSeq, f.tcpAck, f.tcpFlags]).toEqual([
      true, Layer.Tcp, 'bad_tcp_header_length', 1, 5, 6, -1,
    ]);
  });
  it('data offset past the IP payload is malformed', () => {
    const f = decode(v4(tcp(1, 2, 0x10, [], 1, 1, 15)));
    expect([f.malformed, f.weird, f.tcpFlags]).toEqual([true, 'tcp_header_exceeds_packet', 0x10]);
  });
  it('never verifies the checksum (sending-host captures carry unfinished ones)', () => {
    const bytes = v4(tcp(1, 2, 0x10));
    bytes[34 + 16] = 0xab;
    const f = decode(bytes);
    expect(f.malformed || f.truncated || f.weird !== '').toBe(false);
  });
});

describe('UDP', () => {
  it('reads ports and lengths', () => {
    const f = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(5353, 53, [1, 2, 3]))]);
    expect([f.srcPort, f.dstPort, f.udpLength, f.l4PayloadLength, f.tcpFlags]).toEqual([5353, 53, 11, 3, -1]);
  });
  it('a UDP length below 8 or past the IP payload is malformed, the ports stay', () => {
    const short = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(1, 2, [], 4))]);
    expect([short.malformed, short.weird, short.srcPort]).toEqual([true, 'bad_udp_length', 1]);
    const long = decode([...E4, ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(1, 2, [], 100))]);
    expect(long.weird).toBe('bad_udp_length');
  });
});

describe('IPv4 lengths against the wire frame', () => {
  it('total length 0 with options past the wire frame is malformed, not a negative payload', () => {
    const bytes = [...eth(MAC_B, MAC_A, 0x0800), ...ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 6, totalLength: 0, options: new Array(40).fill(1) }, [])];
    const f = new DecodedFrame();
    decodeFrame(record(bytes.slice(0, 14 + 30), 1, 14 + 30), f);
    expect([f.malformed, f.weird, f.ipPayloadWireLength]).toEqual([true, 'ip_total_length_too_small', -1]);
  });
});
