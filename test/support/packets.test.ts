/**
 * The test builder is checked against an independent decoder (tshark): if these pass, a frame
 * the builder makes is what its options say, with valid checksums unless asked otherwise.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  DIRECTOR,
  EtherType,
  IpProto,
  NaFlag,
  RS1,
  RS2,
  VIP,
  arpReply,
  arpRequest,
  drConversation,
  ethernet,
  gratuitousArp,
  gre,
  icmpEcho,
  icmpPortUnreachable,
  internetChecksum,
  ipip,
  ipv4,
  ipv4Number,
  ipv6,
  ipv6Bytes,
  macNumber,
  naFrame,
  nsFrame,
  sequence,
  solicitedNode,
  tcp,
  text,
  toPcap,
  udp,
  type TestFrame,
} from './packets.js';
import { orSkipped } from './skip.js';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const tmp = mkdtempSync(join(tmpdir(), 'packets-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;

/** One row per frame: field -> value ('a,b' when the field occurs twice, e.g. outer and inner IP). */
function tshark(frames: readonly TestFrame[], fields: string[]): Record<string, string>[] {
  const path = join(tmp, `f${fileNo++}.pcap`);
  writeFileSync(path, toPcap(frames));
  const args = ['-r', path, '-n', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const p of ['ip', 'tcp', 'udp']) args.push('-o', `${p}.check_checksum:TRUE`);
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => Object.fromEntries(line.split('\t').map((v, i) => [fields[i]!, v])));
}

const GOOD = '1'; // tshark checksum.status: 0 bad, 1 good, 2 unverified

describe('address helpers', () => {
  it('parse text addresses to the numbers the decoder stores', () => {
    expect(ipv4Number(VIP)).toBe(0xc0a8bc78);
    expect(macNumber(DIRECTOR.mac)).toBe(0x000c2950d563);
    expect(Array.from(ipv6Bytes('2001:db8::1'))).toEqual([0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(Array.from(ipv6Bytes('::'))).toEqual(new Array(16).fill(0));
    expect(solicitedNode('2001:db8::abcd:1234')).toEqual({ ip: 'ff02::1:ffcd:1234', mac: '33:33:ff:cd:12:34' });
    expect(() => ipv4Number('1.2.3')).toThrow();
    expect(() => macNumber('00:11')).toThrow();
  });

  it('internetChecksum: RFC 1071 example, odd lengths across parts', () => {
    // RFC 1071 section 3 example: 0001 f203 f4f5 f6f7 sums to ddf2, checksum 220d.
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7))).toBe(0x220d);
    expect(internetChecksum(Uint8Array.of(0x00, 0x01, 0xf2), Uint8Array.of(0x03, 0xf4, 0xf5, 0xf6, 0xf7))).toBe(0x220d);
  });
});

describe.skipIf(!hasTshark)(orSkipped('builder output as tshark decodes it', hasTshark ? undefined : 'tshark is not installed'), () => {
  it('ARP request, reply, gratuitous request and reply', () => {
    const rows = tshark(
      sequence([arpRequest(DIRECTOR, RS1.ip), arpReply(RS1, RS1.ip, DIRECTOR), gratuitousArp(DIRECTOR.mac, VIP), gratuitousArp(RS2.mac, VIP, 'reply'), arpRequest(RS1, CLIENT.ip, VIP)]),
      ['eth.src', 'eth.dst', 'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4', 'arp.isgratuitous', 'frame.len'],
    );
    expect(rows).toEqual([
      { 'eth.src': DIRECTOR.mac, 'eth.dst': 'ff:ff:ff:ff:ff:ff', 'arp.opcode': '1', 'arp.src.hw_mac': DIRECTOR.mac, 'arp.src.proto_ipv4': DIRECTOR.ip, 'arp.dst.hw_mac': '00:00:00:00:00:00', 'arp.dst.proto_ipv4': RS1.ip, 'arp.isgratuitous': '', 'frame.len': '60' },
      { 'eth.src': RS1.mac, 'eth.dst': DIRECTOR.mac, 'arp.opcode': '2', 'arp.src.hw_mac': RS1.mac, 'arp.src.proto_ipv4': RS1.ip, 'arp.dst.hw_mac': DIRECTOR.mac, 'arp.dst.proto_ipv4': DIRECTOR.ip, 'arp.isgratuitous': '', 'frame.len': '60' },
      { 'eth.src': DIRECTOR.mac, 'eth.dst': 'ff:ff:ff:ff:ff:ff', 'arp.opcode': '1', 'arp.src.hw_mac': DIRECTOR.mac, 'arp.src.proto_ipv4': VIP, 'arp.dst.hw_mac': 'ff:ff:ff:ff:ff:ff', 'arp.dst.proto_ipv4': VIP, 'arp.isgratuitous': '1', 'frame.len': '60' },
      { 'eth.src': RS2.mac, 'eth.dst': 'ff:ff:ff:ff:ff:ff', 'arp.opcode': '2', 'arp.src.hw_mac': RS2.mac, 'arp.src.proto_ipv4': VIP, 'arp.dst.hw_mac': 'ff:ff:ff:ff:ff:ff', 'arp.dst.proto_ipv4': VIP, 'arp.isgratuitous': '1', 'frame.len': '60' },
      { 'eth.src': RS1.mac, 'eth.dst': 'ff:ff:ff:ff:ff:ff', 'arp.opcode': '1', 'arp.src.hw_mac': RS1.mac, 'arp.src.proto_ipv4': VIP, 'arp.dst.hw_mac': '00:00:00:00:00:00', 'arp.dst.proto_ipv4': CLIENT.ip, 'arp.isgratuitous': '', 'frame.len': '60' },
    ]);
  });

  it('IPv4 header fields and options, 802.1ad + 802.1Q tags, UDP, a deliberately bad checksum', () => {
    const u = udp({ srcPort: 5353, dstPort: 53, payload: text('hello') });
    const frames = sequence([
      ethernet({
        src: CLIENT.mac,
        dst: DIRECTOR.mac,
        etherType: EtherType.IPv4,
        vlans: [{ id: 100, tpid: EtherType.QinQ }, { id: 200, pcp: 5 }],
        payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.UDP, ttl: 17, id: 0xbeef, df: false, tos: 0xb8, payload: u }),
      }),
      ethernet({
        src: CLIENT.mac,
        dst: DIRECTOR.mac,
        etherType: EtherType.IPv4,
        // Router Alert option (4 bytes): header length 24.
        payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.UDP, ttl: 1, id: 7, mf: true, options: Uint8Array.of(0x94, 4, 0, 0), payload: u }),
      }),
      ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.UDP, checksum: 0x1234, payload: u }) }),
    ]);
    const rows = tshark(frames, ['ieee8021ad.id', 'vlan.id', 'vlan.priority', 'ip.ttl', 'ip.id', 'ip.flags.df', 'ip.flags.mf', 'ip.dsfield', 'ip.hdr_len', 'ip.len', 'ip.checksum.status', 'udp.srcport', 'udp.dstport', 'udp.length', 'udp.checksum.status']);
    expect(rows[0]).toEqual({ 'ieee8021ad.id': '100', 'vlan.id': '200', 'vlan.priority': '5', 'ip.ttl': '17', 'ip.id': '0xbeef', 'ip.flags.df': '0', 'ip.flags.mf': '0', 'ip.dsfield': '0xb8', 'ip.hdr_len': '20', 'ip.len': '33', 'ip.checksum.status': GOOD, 'udp.srcport': '5353', 'udp.dstport': '53', 'udp.length': '13', 'udp.checksum.status': GOOD });
    expect(rows[1]).toMatchObject({ 'vlan.id': '', 'ip.ttl': '1', 'ip.id': '0x0007', 'ip.flags.df': '1', 'ip.flags.mf': '1', 'ip.hdr_len': '24', 'ip.len': '37', 'ip.checksum.status': GOOD });
    expect(rows[2]).toMatchObject({ 'ip.checksum.status': '0' });
  });

  it('TCP flags, seq/ack, payload; IPv6 TCP; ICMP echo and port unreachable quoting a UDP packet', () => {
    const seg = tcp({ srcPort: 40000, dstPort: 80, flags: 'P.', seq: 0xfffffff0, ack: 12345, window: 502, payload: text('GET /') });
    const quoted = ipv4({ src: VIP, dst: CLIENT.ip, proto: IpProto.UDP, payload: udp({ srcPort: 53, dstPort: 33000, payload: text('answer') }) });
    const frames = sequence([
      ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, payload: seg }) }),
      ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv6, payload: ipv6({ src: '2001:db8::111', dst: '2001:db8::120', nextHeader: IpProto.TCP, hopLimit: 63, flowLabel: 0x12345, payload: tcp({ srcPort: 1, dstPort: 443, flags: 'S', seq: 1 }) }) }),
      ethernet({ src: CLIENT.mac, dst: DIRECTOR.mac, etherType: EtherType.IPv4, payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.ICMP, payload: icmpEcho({ request: true, id: 9, seq: 3, payload: text('ping') }) }) }),
      ethernet({ src: CLIENT.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.ICMP, payload: icmpPortUnreachable(quoted) }) }),
    ]);
    const rows = tshark(frames, ['tcp.flags', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.window_size_value', 'tcp.len', 'tcp.checksum.status', 'ipv6.src', 'ipv6.hlim', 'ipv6.flow', 'icmp.type', 'icmp.code', 'icmp.checksum.status', 'icmp.seq', 'ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport']);
    expect(rows[0]).toMatchObject({ 'tcp.flags': '0x0018', 'tcp.seq_raw': String(0xfffffff0), 'tcp.ack_raw': '12345', 'tcp.window_size_value': '502', 'tcp.len': '5', 'tcp.checksum.status': GOOD });
    expect(rows[1]).toMatchObject({ 'tcp.flags': '0x0002', 'tcp.checksum.status': GOOD, 'ipv6.src': '2001:db8::111', 'ipv6.hlim': '63', 'ipv6.flow': '0x012345' });
    expect(rows[2]).toMatchObject({ 'icmp.type': '8', 'icmp.code': '0', 'icmp.checksum.status': GOOD, 'icmp.seq': '3' });
    expect(rows[3]).toMatchObject({ 'icmp.type': '3', 'icmp.code': '3', 'icmp.checksum.status': GOOD, 'ip.src': `${CLIENT.ip},${VIP}`, 'ip.dst': `${VIP},${CLIENT.ip}`, 'udp.srcport': '53', 'udp.dstport': '33000' });
  });

  it('ICMPv6 Neighbor Solicitation and Advertisement with link-layer options', () => {
    const rs = { ip: '2001:db8::107', mac: RS1.mac };
    const cl = { ip: '2001:db8::111', mac: CLIENT.mac };
    const rows = tshark(sequence([nsFrame(cl, '2001:db8::120'), naFrame(rs, '2001:db8::120', cl), naFrame(rs, '2001:db8::120', undefined, NaFlag.Override)]), [
      'eth.dst',
      'ipv6.dst',
      'ipv6.hlim',
      'icmpv6.type',
      'icmpv6.checksum.status',
      'icmpv6.nd.ns.target_address',
      'icmpv6.nd.na.target_address',
      'icmpv6.nd.na.flag.s',
      'icmpv6.nd.na.flag.o',
      'icmpv6.opt.type',
      'icmpv6.opt.linkaddr',
    ]);
    expect(rows).toEqual([
      { 'eth.dst': '33:33:ff:00:01:20', 'ipv6.dst': 'ff02::1:ff00:120', 'ipv6.hlim': '255', 'icmpv6.type': '135', 'icmpv6.checksum.status': GOOD, 'icmpv6.nd.ns.target_address': '2001:db8::120', 'icmpv6.nd.na.target_address': '', 'icmpv6.nd.na.flag.s': '', 'icmpv6.nd.na.flag.o': '', 'icmpv6.opt.type': '1', 'icmpv6.opt.linkaddr': CLIENT.mac },
      { 'eth.dst': CLIENT.mac, 'ipv6.dst': '2001:db8::111', 'ipv6.hlim': '255', 'icmpv6.type': '136', 'icmpv6.checksum.status': GOOD, 'icmpv6.nd.ns.target_address': '', 'icmpv6.nd.na.target_address': '2001:db8::120', 'icmpv6.nd.na.flag.s': '1', 'icmpv6.nd.na.flag.o': '1', 'icmpv6.opt.type': '2', 'icmpv6.opt.linkaddr': RS1.mac },
      { 'eth.dst': '33:33:00:00:00:01', 'ipv6.dst': 'ff02::1', 'ipv6.hlim': '255', 'icmpv6.type': '136', 'icmpv6.checksum.status': GOOD, 'icmpv6.nd.ns.target_address': '', 'icmpv6.nd.na.target_address': '2001:db8::120', 'icmpv6.nd.na.flag.s': '0', 'icmpv6.nd.na.flag.o': '1', 'icmpv6.opt.type': '2', 'icmpv6.opt.linkaddr': RS1.mac },
    ]);
  });

  it('IP-in-IP (outer TTL copied from the inner) and GRE with checksum, key and sequence', () => {
    const inner = ipv4({ src: CLIENT.ip, dst: VIP, proto: IpProto.TCP, ttl: 63, id: 4242, payload: tcp({ srcPort: 40000, dstPort: 80, flags: 'S', seq: 1 }) });
    const frames = sequence([
      ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: ipip({ src: DIRECTOR.ip, dst: RS1.ip, inner }) }),
      ethernet({ src: DIRECTOR.mac, dst: RS1.mac, etherType: EtherType.IPv4, payload: ipv4({ src: DIRECTOR.ip, dst: RS1.ip, proto: IpProto.GRE, payload: gre({ checksum: true, key: 77, seq: 5, payload: inner }) }) }),
    ]);
    const rows = tshark(frames, ['ip.src', 'ip.dst', 'ip.ttl', 'ip.proto', 'ip.flags.df', 'ip.checksum.status', 'tcp.checksum.status', 'gre.key', 'gre.sequence_number', 'gre.checksum.status']);
    expect(rows[0]).toEqual({ 'ip.src': `${DIRECTOR.ip},${CLIENT.ip}`, 'ip.dst': `${RS1.ip},${VIP}`, 'ip.ttl': '63,63', 'ip.proto': '4,6', 'ip.flags.df': '1,1', 'ip.checksum.status': `${GOOD},${GOOD}`, 'tcp.checksum.status': GOOD, 'gre.key': '', 'gre.sequence_number': '', 'gre.checksum.status': '' });
    expect(rows[1]).toMatchObject({ 'ip.proto': '47,6', 'ip.checksum.status': `${GOOD},${GOOD}`, 'tcp.checksum.status': GOOD, 'gre.key': '0x0000004d', 'gre.sequence_number': '5', 'gre.checksum.status': GOOD });
  });
});

describe('drConversation', () => {
  it('orders frames and timestamps as a mirror port sees them', () => {
    const f = drConversation({ clientPort: 41000 });
    expect(f.map((x) => x.note)).toEqual([
      'client->director SYN',
      'director->rs copy of SYN',
      'rs->client SYN/ACK',
      'client->director ACK',
      'director->rs copy of ACK',
      'client->director request',
      'director->rs copy of request',
      'rs->client response',
      'client->director FIN',
      'director->rs copy of FIN',
      'rs->client FIN/ACK',
      'client->director last ACK',
      'director->rs copy of last ACK',
    ]);
    const ns = f.map((x) => x.tsSeconds * 1e9 + x.tsNanos);
    expect(ns.every((v, i) => i === 0 || v > ns[i - 1]!)).toBe(true);
    expect(drConversation({ dropCopies: true }).some((x) => x.note.includes('copy'))).toBe(false);
  });

  it('copy = original with TTL-1 and a new header checksum, byte for byte otherwise', () => {
    const f = drConversation();
    const orig = f[0]!.data;
    const copy = f[1]!.data;
    expect(copy.length).toBe(orig.length);
    const diff = [];
    for (let i = 0; i < orig.length; i++) if (orig[i] !== copy[i]) diff.push(i);
    // dst MAC 0-5, src MAC 6-11, TTL at 14+8, header checksum 14+10..11
    expect(diff.every((i) => i < 12 || i === 22 || i === 24 || i === 25)).toBe(true);
    expect(copy[22]).toBe(orig[22]! - 1);
    const same = drConversation({ ttlDecrement: 0 });
    expect(same[1]!.data.subarray(12)).toEqual(same[0]!.data.subarray(12));
  });

  it.skipIf(!hasTshark)(orSkipped('tshark: addresses, TTLs, flags and checksums of a DR, a tunnel-mode and a mutated exchange', hasTshark ? undefined : 'tshark is not installed'), () => {
    const fields = ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl', 'ip.checksum.status', 'tcp.flags.str', 'tcp.checksum.status', 'tcp.len'];
    const dr = tshark(drConversation({ rs: RS2, clientPort: 40001 }), fields);
    expect(dr.slice(0, 3)).toEqual([
      { 'eth.src': CLIENT.mac, 'eth.dst': DIRECTOR.mac, 'ip.src': CLIENT.ip, 'ip.dst': VIP, 'ip.ttl': '64', 'ip.checksum.status': GOOD, 'tcp.flags.str': '··········S·', 'tcp.checksum.status': GOOD, 'tcp.len': '0' },
      { 'eth.src': DIRECTOR.mac, 'eth.dst': RS2.mac, 'ip.src': CLIENT.ip, 'ip.dst': VIP, 'ip.ttl': '63', 'ip.checksum.status': GOOD, 'tcp.flags.str': '··········S·', 'tcp.checksum.status': GOOD, 'tcp.len': '0' },
      { 'eth.src': RS2.mac, 'eth.dst': CLIENT.mac, 'ip.src': VIP, 'ip.dst': CLIENT.ip, 'ip.ttl': '64', 'ip.checksum.status': GOOD, 'tcp.flags.str': '·······A··S·', 'tcp.checksum.status': GOOD, 'tcp.len': '0' },
    ]);
    expect(dr.every((r) => r['ip.checksum.status'] === GOOD && r['tcp.checksum.status'] === GOOD)).toBe(true);

    const tun = tshark(drConversation({ mode: 'tun' }), ['ip.src', 'ip.dst', 'ip.ttl', 'ip.checksum.status']);
    expect(tun[1]).toEqual({ 'ip.src': `${DIRECTOR.ip},${CLIENT.ip}`, 'ip.dst': `${RS1.ip},${VIP}`, 'ip.ttl': '63,63', 'ip.checksum.status': `${GOOD},${GOOD}` });

    // A director (or middlebox) that changes the payload: L4 checksum now wrong, IP header still right.
    const mutated = tshark(
      drConversation({
        mutateCopy: (ip, i) => {
          if (i === 2) ip[ip.length - 1] = ip[ip.length - 1]! ^ 0xff;
        },
      }),
      ['ip.checksum.status', 'tcp.checksum.status', 'tcp.len'],
    );
    expect(mutated[6]).toEqual({ 'ip.checksum.status': GOOD, 'tcp.checksum.status': '0', 'tcp.len': '18' });
    expect(mutated[5]!['tcp.checksum.status']).toBe(GOOD);
  });
});

describe('the project decoder agrees with the builder', () => {
  // Imported lazily so that this file still runs (against tshark) while the decoder is being written.
  const decoderPath = new URL('../../src/decode/decoder.ts', import.meta.url);
  it.skipIf(!existsSync(decoderPath))('drConversation, tunnel copy, ARP and NS/NA decode to the values given', async () => {
    const { decodeFrame } = await import('../../src/decode/decoder.js');
    const { DecodedFrame, Encapsulation, TcpFlag } = await import('../../src/decode/frame.js');
    const { CaptureRecord } = await import('../../src/capture/record.js');
    const rec = new CaptureRecord();
    const f = new DecodedFrame();
    const decode = (data: Uint8Array): InstanceType<typeof DecodedFrame> => {
      rec.data = data;
      rec.offset = 0;
      rec.capturedLength = data.length;
      rec.originalLength = data.length;
      rec.linkType = 1;
      decodeFrame(rec, f);
      return f;
    };

    const conv = drConversation({ rs: RS2, clientPort: 40123 });
    decode(conv[0]!.data);
    expect({ src: f.ethSrc, dst: f.ethDst, ipSrc: f.ipSrc, ipDst: f.ipDst, ttl: f.ipTtl, ok: f.ipChecksumOk, sport: f.srcPort, dport: f.dstPort, flags: f.tcpFlags, weird: f.weird }).toEqual({
      src: macNumber(CLIENT.mac), dst: macNumber(DIRECTOR.mac), ipSrc: ipv4Number(CLIENT.ip), ipDst: ipv4Number(VIP), ttl: 64, ok: true, sport: 40123, dport: 80, flags: TcpFlag.SYN, weird: '',
    });
    decode(conv[1]!.data);
    expect({ src: f.ethSrc, dst: f.ethDst, ttl: f.ipTtl, ok: f.ipChecksumOk, flags: f.tcpFlags }).toEqual({ src: macNumber(DIRECTOR.mac), dst: macNumber(RS2.mac), ttl: 63, ok: true, flags: TcpFlag.SYN });
    decode(conv[7]!.data); // response
    expect({ ipSrc: f.ipSrc, dst: f.ethDst, flags: f.tcpFlags, len: f.l4PayloadLength }).toEqual({ ipSrc: ipv4Number(VIP), dst: macNumber(CLIENT.mac), flags: TcpFlag.PSH | TcpFlag.ACK, len: 41 });

    decode(drConversation({ mode: 'tun' })[1]!.data);
    expect({ enc: f.encapsulation, outerSrc: f.ipSrc, outerDst: f.ipDst, ttl: f.ipTtl, innerSrc: f.innerIpSrc, innerDst: f.innerIpDst, innerDport: f.innerDstPort }).toEqual({
      enc: Encapsulation.IpInIp, outerSrc: ipv4Number(DIRECTOR.ip), outerDst: ipv4Number(RS1.ip), ttl: 63, innerSrc: ipv4Number(CLIENT.ip), innerDst: ipv4Number(VIP), innerDport: 80,
    });

    decode(gratuitousArp(DIRECTOR.mac, VIP));
    expect({ arp: f.hasArp, op: f.arpOp, smac: f.arpSenderMac, sip: f.arpSenderIp, tip: f.arpTargetIp }).toEqual({ arp: true, op: 1, smac: macNumber(DIRECTOR.mac), sip: ipv4Number(VIP), tip: ipv4Number(VIP) });

    decode(naFrame({ ip: '2001:db8::107', mac: RS1.mac }, '2001:db8::120', { ip: '2001:db8::111', mac: CLIENT.mac }));
    expect({ nd: f.ndType, flags: f.ndFlags, ll: f.ndLinkAddr, target: Array.from(f.ndTarget) }).toEqual({
      nd: 136, flags: NaFlag.Solicited | NaFlag.Override, ll: macNumber(RS1.mac), target: Array.from(ipv6Bytes('2001:db8::120')),
    });
  });
});
