/**
 * Test-only packet builder: byte arrays for what a real-kernel lab cannot (or not reliably)
 * produce — an RS answering from the wrong address, a director that forgets the TTL, a copy with
 * a changed payload, odd encapsulations. Every builder returns a fresh Uint8Array; addresses are
 * given as text ('00:0c:29:50:d5:63', '192.168.188.120', '2001:db8::1') so a test reads like a
 * tcpdump line. Checksums are computed unless a test overrides them; packets.test.ts checks the
 * output against tshark's decode, so this file is itself tested.
 */
import { encodePcap, type PcapFrame, type PcapWriterOptions } from '../../src/capture/pcap-writer.js';

// ---- topology of the classic lab (keepalived/ipvsadm DR, one segment) ---------------------------

export interface Host {
  ip: string;
  mac: string;
}

export const VIP = '192.168.188.120';
export const DIRECTOR: Host = { ip: '192.168.188.108', mac: '00:0c:29:50:d5:63' };
export const RS1: Host = { ip: '192.168.188.107', mac: '00:0c:29:e4:4d:1f' };
export const RS2: Host = { ip: '192.168.188.110', mac: '00:0c:29:2c:a5:a0' };
export const CLIENT: Host = { ip: '192.168.188.111', mac: '00:0c:29:f3:1f:de' };
export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
/** Base timestamp of the helpers below: 2023-11-14T22:13:20Z. */
export const T0 = 1_700_000_000;

export const EtherType = { IPv4: 0x0800, ARP: 0x0806, VLAN: 0x8100, QinQ: 0x88a8, IPv6: 0x86dd } as const;
export const IpProto = { ICMP: 1, IPIP: 4, TCP: 6, UDP: 17, IPv6: 41, GRE: 47, ICMPv6: 58 } as const;

// ---- address text -> bytes ----------------------------------------------------------------------

export function macBytes(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC ${mac}`);
  return Uint8Array.from(parts, (p) => {
    const v = parseInt(p, 16);
    if (!(v >= 0 && v <= 255)) throw new Error(`bad MAC ${mac}`);
    return v;
  });
}

export function ipv4Bytes(ip: string): Uint8Array {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`bad IPv4 ${ip}`);
  return Uint8Array.from(parts);
}

/** The uint32 the decoder stores for an IPv4 address. */
export function ipv4Number(ip: string): number {
  const b = ipv4Bytes(ip);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** The 48-bit integer the decoder stores for a MAC. */
export function macNumber(mac: string): number {
  return macBytes(mac).reduce((n, b) => n * 256 + b, 0);
}

export function ipv6Bytes(ip: string): Uint8Array {
  const halves = ip.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 ${ip}`);
  const words = (s: string | undefined): number[] => (s ? s.split(':').map((w) => parseInt(w, 16)) : []);
  const head = words(halves[0]);
  const tail = words(halves[1]);
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  if (all.length !== 8 || all.some((w) => !(w >= 0 && w <= 0xffff))) throw new Error(`bad IPv6 ${ip}`);
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

// ---- byte helpers -------------------------------------------------------------------------------

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function put16(b: Uint8Array, pos: number, v: number): void {
  b[pos] = (v >>> 8) & 0xff;
  b[pos + 1] = v & 0xff;
}

function put32(b: Uint8Array, pos: number, v: number): void {
  b[pos] = (v >>> 24) & 0xff;
  b[pos + 1] = (v >>> 16) & 0xff;
  b[pos + 2] = (v >>> 8) & 0xff;
  b[pos + 3] = v & 0xff;
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** RFC 1071 one's-complement sum of `parts`, folded and inverted. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // a byte left over from an odd-length part pairs with the next part's first byte
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

// ---- link layer ----------------------------------------------------------------------------------

export interface VlanTag {
  id: number;
  pcp?: number;
  /** 0x8100 (802.1Q, default) or 0x88a8 (802.1ad outer tag). */
  tpid?: number;
}

export interface EthernetOptions {
  src: string;
  dst: string;
  etherType: number;
  payload: Uint8Array;
  /** Outer tag first. */
  vlans?: (number | VlanTag)[];
  /** Pad to the 60-byte minimum as a NIC does on transmit (default true). */
  pad?: boolean;
}

export function ethernet(o: EthernetOptions): Uint8Array {
  const tags = (o.vlans ?? []).map((v) => (typeof v === 'number' ? { id: v } : v));
  const head = new Uint8Array(14 + 4 * tags.length);
  head.set(macBytes(o.dst), 0);
  head.set(macBytes(o.src), 6);
  tags.forEach((t, i) => {
    put16(head, 12 + 4 * i, t.tpid ?? EtherType.VLAN);
    put16(head, 14 + 4 * i, ((t.pcp ?? 0) << 13) | (t.id & 0xfff));
  });
  put16(head, 12 + 4 * tags.length, o.etherType);
  const frame = concat(head, o.payload);
  if ((o.pad ?? true) && frame.length < 60) return concat(frame, new Uint8Array(60 - frame.length));
  return frame;
}

// ---- ARP ---------------------------------------------------------------------------------------------

export interface ArpOptions {
  op: 'request' | 'reply' | number;
  senderMac: string;
  senderIp: string;
  /** Requests: 00:00:00:00:00:00 as Linux sends (gratuitous requests from arping -U use ff:ff:...). */
  targetMac?: string;
  targetIp: string;
}

/** The 28-byte Ethernet/IPv4 ARP body. */
export function arp(o: ArpOptions): Uint8Array {
  const b = new Uint8Array(28);
  put16(b, 0, 1); // hardware: Ethernet
  put16(b, 2, EtherType.IPv4);
  b[4] = 6;
  b[5] = 4;
  put16(b, 6, o.op === 'request' ? 1 : o.op === 'reply' ? 2 : o.op);
  b.set(macBytes(o.senderMac), 8);
  b.set(ipv4Bytes(o.senderIp), 14);
  b.set(macBytes(o.targetMac ?? '00:00:00:00:00:00'), 18);
  b.set(ipv4Bytes(o.targetIp), 24);
  return b;
}

/** who-has targetIp tell from.ip, broadcast. `senderIp` overrides (arp_announce=0 sends the VIP). */
export function arpRequest(from: Host, targetIp: string, senderIp: string = from.ip): Uint8Array {
  return ethernet({
    src: from.mac,
    dst: BROADCAST_MAC,
    etherType: EtherType.ARP,
    payload: arp({ op: 'request', senderMac: from.mac, senderIp, targetIp }),
  });
}

/** `ip` is-at from.mac, unicast to `to`. An RS answering for the VIP is arpReply(RS1, VIP, CLIENT). */
export function arpReply(from: Host, ip: string, to: Host): Uint8Array {
  return ethernet({
    src: from.mac,
    dst: to.mac,
    etherType: EtherType.ARP,
    payload: arp({ op: 'reply', senderMac: from.mac, senderIp: ip, targetMac: to.mac, targetIp: to.ip }),
  });
}

/**
 * Gratuitous ARP as `arping -U` and keepalived send it: a broadcast *request* who-has ip tell ip,
 * target MAC ff:ff:ff:ff:ff:ff. `op: 'reply'` gives the reply form some stacks use.
 */
export function gratuitousArp(mac: string, ip: string, op: 'request' | 'reply' = 'request'): Uint8Array {
  return ethernet({
    src: mac,
    dst: BROADCAST_MAC,
    etherType: EtherType.ARP,
    payload: arp({ op, senderMac: mac, senderIp: ip, targetMac: BROADCAST_MAC, targetIp: ip }),
  });
}

// ---- IPv4 / IPv6 ---------------------------------------------------------------------------------------

export interface Ipv4Options {
  src: string;
  dst: string;
  proto: number;
  payload: Uint8Array;
  ttl?: number;
  id?: number;
  /** Don't Fragment; default true (Linux TCP). */
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in bytes (multiple of 8). */
  fragmentOffset?: number;
  tos?: number;
  /** Raw option bytes, padded to a multiple of 4. */
  options?: Uint8Array;
  /** Header checksum to write instead of the right one (to build a bad header). */
  checksum?: number;
  /** Total length to write instead of the right one. */
  totalLength?: number;
  /** IHL to write instead of the right one (in 32-bit words). */
  ihl?: number;
  /**
   * TCP/UDP checksum: 'auto' (default) computes it over the pseudo-header, 'keep' leaves the
   * payload's own value (0 from the builders = what checksum offload leaves in a local capture).
   * Skipped for fragments that are not the first, and for other protocols.
   */
  l4Checksum?: 'auto' | 'keep';
}

export function ipv4(o: Ipv4Options): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const hl = 20 + optLen;
  const p = new Uint8Array(hl + o.payload.length);
  p[0] = 0x40 | ((o.ihl ?? hl / 4) & 0x0f);
  p[1] = o.tos ?? 0;
  put16(p, 2, o.totalLength ?? p.length);
  put16(p, 4, o.id ?? 0);
  const frag = ((o.fragmentOffset ?? 0) / 8) & 0x1fff;
  put16(p, 6, ((o.df ?? true) ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | frag);
  p[8] = o.ttl ?? 64;
  p[9] = o.proto;
  p.set(ipv4Bytes(o.src), 12);
  p.set(ipv4Bytes(o.dst), 16);
  p.set(opts, 20);
  p.set(o.payload, hl);
  if ((o.l4Checksum ?? 'auto') === 'auto' && frag === 0) {
    const pseudo = new Uint8Array(12);
    pseudo.set(p.subarray(12, 20), 0);
    pseudo[9] = o.proto;
    put16(pseudo, 10, o.payload.length);
    fillL4Checksum(p, hl, o.proto, pseudo);
  }
  put16(p, 10, o.checksum ?? ipv4HeaderChecksum(p));
  return p;
}

/** The checksum a header at `offset` should carry (its own checksum field counted as zero). */
export function ipv4HeaderChecksum(packet: Uint8Array, offset = 0): number {
  const hl = (packet[offset]! & 0x0f) * 4;
  const h = packet.slice(offset, offset + hl);
  h[10] = 0;
  h[11] = 0;
  return internetChecksum(h);
}

/** Rewrites the header checksum in place, as a router does after changing the TTL. */
export function fixIpv4Checksum(packet: Uint8Array, offset = 0): void {
  put16(packet, offset + 10, ipv4HeaderChecksum(packet, offset));
}

function fillL4Checksum(packet: Uint8Array, l4: number, proto: number, pseudo: Uint8Array): void {
  const at = proto === IpProto.TCP ? 16 : proto === IpProto.UDP ? 6 : proto === IpProto.ICMPv6 ? 2 : -1;
  if (at < 0 || packet.length < l4 + at + 2) return;
  packet[l4 + at] = 0;
  packet[l4 + at + 1] = 0;
  let sum = internetChecksum(pseudo, packet.subarray(l4));
  if (proto === IpProto.UDP && sum === 0) sum = 0xffff; // 0 means "no checksum" in UDP
  put16(packet, l4 + at, sum);
}

export interface Ipv6Options {
  src: string;
  dst: string;
  nextHeader: number;
  payload: Uint8Array;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  /** As for IPv4; ICMPv6 is included (its checksum covers the pseudo-header too). */
  l4Checksum?: 'auto' | 'keep';
}

export function ipv6(o: Ipv6Options): Uint8Array {
  const p = new Uint8Array(40 + o.payload.length);
  const tc = o.trafficClass ?? 0;
  put32(p, 0, ((6 << 28) | (tc << 20) | ((o.flowLabel ?? 0) & 0xfffff)) >>> 0);
  put16(p, 4, o.payload.length);
  p[6] = o.nextHeader;
  p[7] = o.hopLimit ?? 64;
  p.set(ipv6Bytes(o.src), 8);
  p.set(ipv6Bytes(o.dst), 24);
  p.set(o.payload, 40);
  if ((o.l4Checksum ?? 'auto') === 'auto') {
    const pseudo = new Uint8Array(40);
    pseudo.set(p.subarray(8, 40), 0);
    put32(pseudo, 32, o.payload.length);
    pseudo[39] = o.nextHeader;
    fillL4Checksum(p, 40, o.nextHeader, pseudo);
  }
  return p;
}

// ---- TCP / UDP -------------------------------------------------------------------------------------------

/** Flags as tcpdump prints them: 'S', 'S.', '.', 'P.', 'F.', 'R', 'R.' — or TcpFlag bits. */
export function tcpFlags(flags: string | number): number {
  if (typeof flags === 'number') return flags;
  let v = 0;
  for (const c of flags) {
    const bit = ({ F: 0x01, S: 0x02, R: 0x04, P: 0x08, '.': 0x10, U: 0x20, E: 0x40, W: 0x80 } as Record<string, number>)[c];
    if (bit === undefined) throw new Error(`bad TCP flag ${c} in ${flags}`);
    v |= bit;
  }
  return v;
}

export interface TcpOptions {
  srcPort: number;
  dstPort: number;
  seq?: number;
  ack?: number;
  flags: string | number;
  window?: number;
  /** Raw option bytes, padded with zeros (EOL) to a multiple of 4. */
  options?: Uint8Array;
  payload?: Uint8Array;
  urgent?: number;
}

/** TCP segment with checksum 0: ipv4()/ipv6() fill it in. */
export function tcp(o: TcpOptions): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hl = 20 + ((opts.length + 3) & ~3);
  const payload = o.payload ?? new Uint8Array(0);
  const s = new Uint8Array(hl + payload.length);
  put16(s, 0, o.srcPort);
  put16(s, 2, o.dstPort);
  put32(s, 4, o.seq ?? 0);
  put32(s, 8, o.ack ?? 0);
  const f = tcpFlags(o.flags);
  s[12] = ((hl / 4) << 4) | ((f >> 8) & 1);
  s[13] = f & 0xff;
  put16(s, 14, o.window ?? 64240);
  put16(s, 18, o.urgent ?? 0);
  s.set(opts, 20);
  s.set(payload, hl);
  return s;
}

/** MSS 1460 only: enough for a SYN to look like one without timestamps moving per packet. */
export const SYN_OPTIONS = Uint8Array.of(2, 4, 0x05, 0xb4);

export function udp(o: { srcPort: number; dstPort: number; payload?: Uint8Array; length?: number }): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const d = new Uint8Array(8 + payload.length);
  put16(d, 0, o.srcPort);
  put16(d, 2, o.dstPort);
  put16(d, 4, o.length ?? d.length);
  d.set(payload, 8);
  return d;
}

// ---- ICMP / ICMPv6 ----------------------------------------------------------------------------------------

/** ICMPv4 message with its checksum; `rest` is the 4 bytes after the checksum (id/seq, MTU...). */
export function icmp(o: { type: number; code: number; rest?: number; payload?: Uint8Array }): Uint8Array {
  const payload = o.payload ?? new Uint8Array(0);
  const m = new Uint8Array(8 + payload.length);
  m[0] = o.type;
  m[1] = o.code;
  put32(m, 4, o.rest ?? 0);
  m.set(payload, 8);
  put16(m, 2, internetChecksum(m));
  return m;
}

export function icmpEcho(o: { request: boolean; id: number; seq: number; payload?: Uint8Array }): Uint8Array {
  return icmp({ type: o.request ? 8 : 0, code: 0, rest: ((o.id & 0xffff) << 16) | (o.seq & 0xffff), payload: o.payload });
}

/**
 * ICMP destination unreachable, port unreachable (3/3), quoting `quoted` (an IP packet). Linux
 * quotes as much of the packet as fits in 576 bytes; `quoteBytes` limits it (RFC 792 minimum:
 * IP header + 8).
 */
export function icmpPortUnreachable(quoted: Uint8Array, quoteBytes = 548): Uint8Array {
  return icmp({ type: 3, code: 3, payload: quoted.slice(0, Math.min(quoted.length, quoteBytes)) });
}

/** ICMPv6 message with checksum 0: ipv6() fills it in. */
export function icmpv6(o: { type: number; code: number; body: Uint8Array }): Uint8Array {
  const m = new Uint8Array(4 + o.body.length);
  m[0] = o.type;
  m[1] = o.code;
  m.set(o.body, 4);
  return m;
}

function ndLinkOption(type: 1 | 2, mac: string): Uint8Array {
  return concat(Uint8Array.of(type, 1), macBytes(mac));
}

/** Neighbor Solicitation (135) for `target`, with the source link-layer address option when given. */
export function neighborSolicitation(target: string, sourceLinkAddr?: string): Uint8Array {
  const body = concat(new Uint8Array(4), ipv6Bytes(target), sourceLinkAddr ? ndLinkOption(1, sourceLinkAddr) : new Uint8Array(0));
  return icmpv6({ type: 135, code: 0, body });
}

export const NaFlag = { Router: 0x80, Solicited: 0x40, Override: 0x20 } as const;

/** Neighbor Advertisement (136) for `target`, flags NaFlag bits, target link-layer option when given. */
export function neighborAdvertisement(target: string, flags: number, targetLinkAddr?: string): Uint8Array {
  const head = new Uint8Array(4);
  head[0] = flags;
  const body = concat(head, ipv6Bytes(target), targetLinkAddr ? ndLinkOption(2, targetLinkAddr) : new Uint8Array(0));
  return icmpv6({ type: 136, code: 0, body });
}

/** ff02::1:ffXX:XXXX for `ip`, and its 33:33:ff:XX:XX:XX MAC. */
export function solicitedNode(ip: string): { ip: string; mac: string } {
  const b = ipv6Bytes(ip);
  const h = (n: number): string => b[n]!.toString(16).padStart(2, '0');
  return { ip: `ff02::1:ff${h(13)}:${h(14)}${h(15)}`, mac: `33:33:ff:${h(13)}:${h(14)}:${h(15)}` };
}

export interface Host6 {
  ip: string;
  mac: string;
}

/** Whole Ethernet frame: `from` asks who has `target` (multicast to the solicited-node group). */
export function nsFrame(from: Host6, target: string): Uint8Array {
  const sn = solicitedNode(target);
  return ethernet({
    src: from.mac,
    dst: sn.mac,
    etherType: EtherType.IPv6,
    payload: ipv6({ src: from.ip, dst: sn.ip, nextHeader: IpProto.ICMPv6, hopLimit: 255, payload: neighborSolicitation(target, from.mac) }),
  });
}

/** Whole Ethernet frame: `from` advertises `target` at from.mac, to `to` (solicited) or all-nodes. */
export function naFrame(from: Host6, target: string, to?: Host6, flags = NaFlag.Solicited | NaFlag.Override): Uint8Array {
  return ethernet({
    src: from.mac,
    dst: to?.mac ?? '33:33:00:00:00:01',
    etherType: EtherType.IPv6,
    payload: ipv6({
      src: from.ip,
      dst: to?.ip ?? 'ff02::1',
      nextHeader: IpProto.ICMPv6,
      hopLimit: 255,
      payload: neighborAdvertisement(target, to ? flags : flags & ~NaFlag.Solicited, from.mac),
    }),
  });
}

// ---- tunnels -----------------------------------------------------------------------------------------------

/**
 * IP-in-IP as an IPVS tunnel-mode director sends it: outer header director -> RS real IP, TTL
 * copied from the (already decremented) inner packet, DF copied, id given. Inner IPv6 uses proto 41.
 */
export function ipip(o: { src: string; dst: string; inner: Uint8Array; ttl?: number; id?: number }): Uint8Array {
  const innerV6 = o.inner[0]! >> 4 === 6;
  const innerTtl = innerV6 ? o.inner[7]! : o.inner[8]!;
  const innerDf = innerV6 ? false : (o.inner[6]! & 0x40) !== 0;
  return ipv4({
    src: o.src,
    dst: o.dst,
    proto: innerV6 ? IpProto.IPv6 : IpProto.IPIP,
    payload: o.inner,
    ttl: o.ttl ?? innerTtl,
    id: o.id ?? 0,
    df: innerDf,
  });
}

/** GRE header (RFC 2784/2890) + payload; checksum computed when `checksum` is true. */
export function gre(o: { protocolType?: number; key?: number; seq?: number; checksum?: boolean; payload: Uint8Array }): Uint8Array {
  const c = o.checksum ?? false;
  const k = o.key !== undefined;
  const s = o.seq !== undefined;
  const hl = 4 + (c ? 4 : 0) + (k ? 4 : 0) + (s ? 4 : 0);
  const g = new Uint8Array(hl + o.payload.length);
  g[0] = (c ? 0x80 : 0) | (k ? 0x20 : 0) | (s ? 0x10 : 0);
  put16(g, 2, o.protocolType ?? EtherType.IPv4);
  let pos = 4 + (c ? 4 : 0);
  if (k) {
    put32(g, pos, o.key!);
    pos += 4;
  }
  if (s) put32(g, pos, o.seq!);
  g.set(o.payload, hl);
  if (c) put16(g, 4, internetChecksum(g));
  return g;
}

// ---- VRRP -------------------------------------------------------------------------------------------------

export interface VrrpAdvertOptions {
  vrid: number;
  priority: number;
  addresses: string[];
  /** Version 2 (default): seconds; version 3: centiseconds. Default one second. */
  interval?: number;
  version?: 2 | 3;
  /** Version 2 authentication type (0 none, 1 PASS, 2 AH). */
  authType?: number;
  /** The multicast group (default), or a unicast peer. */
  dst?: string;
  ttl?: number;
}

/** A VRRP advertisement from `from` as keepalived sends it: to 224.0.0.18 (01:00:5e:00:00:12), TTL 255. */
export function vrrpAdvert(from: Host, o: VrrpAdvertOptions): Uint8Array {
  const version = o.version ?? 2;
  const dst = o.dst ?? '224.0.0.18';
  const n = o.addresses.length;
  const m = new Uint8Array(8 + 4 * n + (version === 2 ? 8 : 0));
  m[0] = (version << 4) | 1;
  m[1] = o.vrid;
  m[2] = o.priority;
  m[3] = n;
  if (version === 3) put16(m, 4, (o.interval ?? 100) & 0xfff);
  else {
    m[4] = o.authType ?? 0;
    m[5] = o.interval ?? 1;
  }
  o.addresses.forEach((a, i) => m.set(ipv4Bytes(a), 8 + 4 * i));
  const pseudo = version === 3 ? concat(ipv4Bytes(from.ip), ipv4Bytes(dst), Uint8Array.of(0, 112, m.length >> 8, m.length & 255)) : new Uint8Array(0);
  put16(m, 6, internetChecksum(pseudo, m));
  const multicast = dst.startsWith('224.');
  return ethernet({
    src: from.mac,
    dst: multicast ? '01:00:5e:00:00:12' : BROADCAST_MAC,
    etherType: EtherType.IPv4,
    payload: ipv4({ src: from.ip, dst, proto: 112, ttl: o.ttl ?? 255, payload: m, df: false }),
  });
}

/** `count` adverts from `from`, every `every` seconds from `start` seconds after T0. */
export function adverts(from: Host, o: VrrpAdvertOptions, start: number, count: number, every = 1, note = 'advert'): TestFrame[] {
  return Array.from({ length: count }, (_, i) => {
    const t = start + i * every;
    return frameAt(vrrpAdvert(from, o), T0 + Math.floor(t), Math.round((t % 1) * 1e9), `${note} ${from.ip} #${i + 1}`);
  });
}

// ---- frames, timestamps, pcap --------------------------------------------------------------------------------

export interface TestFrame extends PcapFrame {
  /** What the frame is, for failure messages ("director->rs1 copy of SYN"). */
  note: string;
}

export function frameAt(data: Uint8Array, tsSeconds: number, tsNanos: number, note = ''): TestFrame {
  return { tsSeconds, tsNanos, data, note };
}

/** A whole capture with timestamps `stepMicros` apart from T0, in order. */
export function sequence(datas: Uint8Array[], stepMicros = 1000, start = T0): TestFrame[] {
  return datas.map((d, i) => {
    const ns = i * stepMicros * 1000;
    return frameAt(d, start + Math.floor(ns / 1e9), ns % 1e9);
  });
}

export function toPcap(frames: readonly PcapFrame[], options?: PcapWriterOptions): Uint8Array {
  return encodePcap(frames, options);
}

// ---- a DR conversation ----------------------------------------------------------------------------------------

export interface DrConversationOptions {
  client?: Host;
  /** Real server chosen by the director. */
  rs?: Host;
  director?: Host;
  vip?: string;
  clientPort?: number;
  vipPort?: number;
  /** 1 (kernels since 2015, default) or 0 (older kernels). */
  ttlDecrement?: 0 | 1;
  /** 'dr' (default): L2 rewrite only. 'tun': IP-in-IP from the director to the RS. */
  mode?: 'dr' | 'tun';
  /**
   * Changes the forwarded copy's IP packet (after the TTL change); return a new array to replace
   * it. The IPv4 header checksum is recomputed afterwards unless `keepCopyChecksum`.
   */
  mutateCopy?: (ip: Uint8Array, index: number) => Uint8Array | void;
  keepCopyChecksum?: boolean;
  /** Router MAC the client's frames come from and replies go to (default: the client's own). */
  gatewayMac?: string;
  /** RS reply source address (default the VIP; the RS real IP makes a reply-src-vip finding). */
  replySrc?: string;
  /** RS reply destination MAC (default the gateway/client; the director's MAC is a reply-direct finding). */
  replyDstMac?: string;
  /** Seconds / nanoseconds of the first frame (default T0 / 0). */
  startSeconds?: number;
  startNanos?: number;
  /** Gap between steps of the exchange, µs (default 200); the copy follows its original by 20 µs. */
  stepMicros?: number;
  clientTtl?: number;
  request?: Uint8Array;
  response?: Uint8Array;
  /** Leave out the director's copies (IPVS dropped them, e.g. after `ipvsadm -d`). */
  dropCopies?: boolean;
}

/**
 * One TCP connection through an LVS-DR director as a mirror port on the segment sees it:
 * every client->VIP frame twice (client->director, then director->RS copy), every RS reply once
 * (RS->client, source VIP). Frames: SYN, copy, SYN/ACK, ACK, copy, request, copy, response,
 * FIN, copy, FIN/ACK, ACK, copy.
 */
export function drConversation(o: DrConversationOptions = {}): TestFrame[] {
  const client = o.client ?? CLIENT;
  const rs = o.rs ?? RS1;
  const director = o.director ?? DIRECTOR;
  const vip = o.vip ?? VIP;
  const cport = o.clientPort ?? 40000;
  const vport = o.vipPort ?? 80;
  const dec = o.ttlDecrement ?? 1;
  const gwMac = o.gatewayMac ?? client.mac;
  const step = (o.stepMicros ?? 200) * 1000;
  let t = (o.startSeconds ?? T0) * 1e9 + (o.startNanos ?? 0);
  const frames: TestFrame[] = [];
  const push = (data: Uint8Array, note: string, at: number): void => {
    frames.push(frameAt(data, Math.floor(at / 1e9), at % 1e9, note));
  };
  const request = o.request ?? text('GET / HTTP/1.0\r\n\r\n');
  const response = o.response ?? text('HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n');
  const cIsn = 0x1000_0000 + cport;
  const sIsn = 0x7000_0000 + cport;
  let ipId = cport & 0xffff;
  let copyIndex = 0;

  const fromClient = (flags: string, seq: number, ack: number, payload: Uint8Array | undefined, what: string): void => {
    const ip = ipv4({
      src: client.ip,
      dst: vip,
      proto: IpProto.TCP,
      ttl: o.clientTtl ?? 64,
      id: ipId++,
      payload: tcp({ srcPort: cport, dstPort: vport, flags, seq, ack, payload, options: flags === 'S' ? SYN_OPTIONS : undefined }),
    });
    push(ethernet({ src: gwMac, dst: director.mac, etherType: EtherType.IPv4, payload: ip }), `client->director ${what}`, t);
    if (!o.dropCopies) {
      let copy: Uint8Array = ip.slice();
      copy[8] = copy[8]! - dec;
      fixIpv4Checksum(copy);
      copy = o.mutateCopy?.(copy, copyIndex) ?? copy;
      if (!o.keepCopyChecksum && copy[0]! >> 4 === 4) fixIpv4Checksum(copy);
      if (o.mode === 'tun') copy = ipip({ src: director.ip, dst: rs.ip, inner: copy });
      push(ethernet({ src: director.mac, dst: rs.mac, etherType: EtherType.IPv4, payload: copy }), `director->rs copy of ${what}`, t + 20_000);
    }
    copyIndex++;
    t += step;
  };
  let rsId = 0;
  const fromRs = (flags: string, seq: number, ack: number, payload: Uint8Array | undefined, what: string): void => {
    const ip = ipv4({
      src: o.replySrc ?? vip,
      dst: client.ip,
      proto: IpProto.TCP,
      id: rsId++,
      payload: tcp({ srcPort: vport, dstPort: cport, flags, seq, ack, payload, options: flags === 'S.' ? SYN_OPTIONS : undefined }),
    });
    push(ethernet({ src: rs.mac, dst: o.replyDstMac ?? gwMac, etherType: EtherType.IPv4, payload: ip }), `rs->client ${what}`, t);
    t += step;
  };

  fromClient('S', cIsn, 0, undefined, 'SYN');
  fromRs('S.', sIsn, cIsn + 1, undefined, 'SYN/ACK');
  fromClient('.', cIsn + 1, sIsn + 1, undefined, 'ACK');
  fromClient('P.', cIsn + 1, sIsn + 1, request, 'request');
  fromRs('P.', sIsn + 1, cIsn + 1 + request.length, response, 'response');
  fromClient('F.', cIsn + 1 + request.length, sIsn + 1 + response.length, undefined, 'FIN');
  fromRs('F.', sIsn + 1 + response.length, cIsn + 2 + request.length, undefined, 'FIN/ACK');
  fromClient('.', cIsn + 2 + request.length, sIsn + 2 + response.length, undefined, 'last ACK');
  return frames;
}
