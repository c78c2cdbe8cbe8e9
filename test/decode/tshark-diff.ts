/**
 * Differential test helper: decode a capture with our reader + decoders and with tshark, then
 * compare field by field, frame by frame. Every field becomes a list of values in tshark's
 * occurrence order (outer header first, then inner / quoted headers), so "tshark went deeper"
 * is a prefix relation rather than a mismatch.
 *
 * That is why tshark runs with `-E occurrence=a` rather than `=f`: the later occurrences are
 * the inner header of a tunnel or the packet quoted by an ICMP error, which we decode too and
 * compare (ip.src[1] = innerIpSrc / icmpQuotedSrc, tcp.srcport[1] = innerSrcPort / quoted port).
 *
 * Differences that are deliberate are explained by EXPLANATIONS below (one table, with the
 * reason for each); anything else is "unexplained" and fails the tests that use this helper.
 * With TSHARK_DIFF_CACHE=<dir> tshark's output is cached per file (for iterating on the corpus).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readCapture } from '../../src/capture/read.js';
import type { CaptureRecord } from '../../src/capture/record.js';
import { decodeFrame } from '../../src/decode/decoder.js';
import { DecodedFrame, Layer, type LayerId } from '../../src/decode/frame.js';
import { formatIpv4, formatIpv6, formatMac } from '../../src/decode/format.js';
import { vrrpAddresses } from '../../src/report/dump.js';

/** tshark fields compared, in -e order (after frame.number). Names from `tshark -G fields` (4.0). */
export const FIELDS = [
  'eth.src',
  'eth.dst',
  'eth.type',
  'vlan.id',
  'vlan.etype',
  'ieee8021ad.id',
  'ieee8021ah.etype',
  'sll.src.eth',
  'sll.pkttype',
  'sll.etype',
  'sll.gretype',
  'sll.ltype',
  'sll.ifindex',
  'arp.opcode',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'arp.dst.hw_mac',
  'arp.dst.proto_ipv4',
  'ip.src',
  'ip.dst',
  'ip.ttl',
  'ip.id',
  'ip.proto',
  'ip.flags.df',
  'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.seq_raw',
  'tcp.ack_raw',
  'udp.srcport',
  'udp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'icmpv6.nd.ns.target_address',
  'icmpv6.nd.na.target_address',
  'icmpv6.nd.na.flag',
  'icmpv6.opt.linkaddr',
  'vrrp.version',
  'vrrp.type',
  'vrrp.virt_rtr_id',
  'vrrp.prio',
  'vrrp.addr_count',
  'vrrp.auth_type',
  'vrrp.adver_int',
  'vrrp.short_adver_int',
  'vrrp.ip_addr',
  'vrrp.ipv6_addr',
  'vrrp.checksum.status',
] as const;
export type Field = (typeof FIELDS)[number];

/**
 * tshark preferences that make it decode like a single-packet decoder: no IP/IPv6
 * reassembly (fragments show their own headers), no TCP reassembly, no name resolution.
 */
export const TSHARK_ARGS = [
  '-n',
  '-o',
  'ip.defragment:FALSE',
  // An IPv6 payload length of 0 is segmentation offload (or BIG TCP) on the capturing host, as
  // tshark already assumes for IPv4 total length 0 (ip.tso_support defaults to TRUE).
  '-o',
  'ipv6.tso_support:TRUE',
  '-o',
  'ipv6.defragment:FALSE',
  '-o',
  'tcp.desegment_tcp_streams:FALSE',
  '-o',
  'tcp.analyze_sequence_numbers:FALSE',
  '-o',
  'tcp.relative_sequence_numbers:FALSE',
  '-T',
  'fields',
  '-E',
  'occurrence=a',
  '-E',
  'aggregator=,',
  '-E',
  'separator=/t',
  '-E',
  'quote=n',
  '-e',
  'frame.number',
  ...FIELDS.flatMap((f) => ['-e', f]),
];

/** What we know about one of our frames, beyond its field lists, to explain differences. */
export interface OurFrame {
  linkType: number;
  etherType: number;
  ipVersion: number;
  ipProto: number;
  fragOffset: number;
  truncatedLayer: LayerId;
  malformedLayer: LayerId;
  weird: string;
  encapsulation: number;
  innerIpVersion: number;
  icmpType: number;
  arpEthIpv4: boolean;
  hasArp: boolean;
  /** ARP hardware type, read from the frame (-1 without ARP). */
  arpHardwareType: number;
  ethDst: number;
  values: Partial<Record<Field, string[]>>;
}

export type DiffKind = 'mismatch' | 'ours-only' | 'tshark-only';

export interface Difference {
  file: string;
  frame: number;
  field: Field | 'frame';
  kind: DiffKind;
  ours: string;
  theirs: string;
  /** Id of the EXPLANATIONS row that accounts for it, or undefined. */
  explanation?: string;
}

interface Explanation {
  id: string;
  reason: string;
  applies(d: Difference, f: OurFrame | undefined): boolean;
}

const L2_FIELDS = new Set<string>(['eth.src', 'eth.dst', 'eth.type', 'vlan.id', 'vlan.etype', 'ieee8021ad.id', 'ieee8021ah.etype', 'sll.src.eth', 'sll.pkttype', 'sll.etype', 'sll.gretype', 'sll.ltype', 'sll.ifindex']);
const ARP_FIELDS = new Set<string>(['arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4']);
const IP_FIELDS = new Set<string>(['ip.src', 'ip.dst', 'ip.ttl', 'ip.id', 'ip.proto', 'ip.flags.df', 'ip.flags.mf', 'ip.frag_offset', 'ipv6.src', 'ipv6.dst', 'ipv6.hlim']);

function fieldRank(field: string): number {
  if (L2_FIELDS.has(field)) return 0;
  if (ARP_FIELDS.has(field) || IP_FIELDS.has(field)) return 1;
  return 2;
}

function layerRank(layer: LayerId): number {
  switch (layer) {
    case Layer.Link:
    case Layer.Vlan:
      return 0;
    case Layer.Arp:
    case Layer.IPv4:
    case Layer.IPv6:
      return 1;
    case Layer.Tcp:
    case Layer.Udp:
    case Layer.Icmp:
    case Layer.Icmpv6:
    case Layer.Vrrp:
      return 2;
    default:
      return 3;
  }
}

const DECODED_ETHERTYPES = new Set([0x0800, 0x86dd, 0x0806]);
const DECODED_PROTOS = new Set([1, 4, 6, 17, 41, 47, 58, 112]);

/**
 * The deliberate differences, each with its reason. Rows are tried in order; the first that
 * applies explains the difference.
 */
export const EXPLANATIONS: readonly Explanation[] = [
  {
    id: 'tshark-deeper',
    reason:
      'tshark dissects further headers (tunnels we do not follow such as VXLAN/Teredo/GRE-TEB, IPv6 quoted in ICMPv6, inner TTL/ids, payload protocols); our values are a prefix of its list',
    applies: (d, f) => d.kind === 'tshark-only' && f !== undefined && (f.values[d.field as Field]?.length ?? 0) > 0,
  },
  {
    id: 'cut-header',
    reason:
      'we flag the frame truncated/malformed at this layer and fill nothing from a partial IP or link header (a partial TCP/UDP header keeps what tshark shows of it); tshark shows the fields it could read before its bounds error',
    applies: (d, f) => {
      if (f === undefined || d.kind === 'ours-only') return false;
      const rank = Math.min(
        f.truncatedLayer !== Layer.None ? layerRank(f.truncatedLayer) : 9,
        f.malformedLayer !== Layer.None ? layerRank(f.malformedLayer) : 9,
      );
      return fieldRank(d.field) >= rank || (rank === 3 && d.kind === 'tshark-only');
    },
  },
  {
    id: 'isl',
    reason:
      'Cisco ISL frames (802.3 length, destination 01:00:0c:00:00:00 or 0c:00:0c:00:00:00): tshark decodes the ISL header and the Ethernet frame it carries; we stop at the 802.3 header',
    applies: (d, f) => f !== undefined && f.etherType < 0 && (f.ethDst === 0x01000c000000 || f.ethDst === 0x0c000c000000),
  },
  {
    id: 'atm-arp',
    reason:
      'ATM ARP (hardware type 19, RFC 2225): tshark hands it to its ATMARP dissector, whose fields are atmarp.*; we keep only the op (no LVS host sends it)',
    applies: (d, f) => f !== undefined && f.hasArp && f.arpHardwareType === 19 && d.field === 'arp.opcode' && d.kind === 'ours-only',
  },
  {
    id: 'nd-other-messages',
    reason:
      'link-layer address options of Router Solicitation/Advertisement and Redirect: we read the option only in NS/NA, the messages an LVS host answers for a VIP',
    applies: (d, f) => f !== undefined && d.field === 'icmpv6.opt.linkaddr' && d.kind === 'tshark-only' && (f.values['icmpv6.opt.linkaddr']?.length ?? 0) === 0,
  },
  {
    id: 'tunnel-payload',
    reason:
      'tshark dissects what UDP, GRE or IP-in-IP carry beyond the inner IP header we keep (VXLAN, Geneve, ERSPAN, GRE-TEB, sFlow samples, inner IPv6 addresses, inner ICMP...)',
    applies: (d, f) =>
      f !== undefined &&
      d.kind === 'tshark-only' &&
      f.ipVersion !== 0 &&
      (f.ipProto === 47 || f.ipProto === 4 || f.ipProto === 41 || (f.ipProto === 17 && (f.values['udp.srcport']?.length ?? 0) > 0)),
  },
  {
    id: 'other-link-payload',
    reason:
      'the EtherType / SLL protocol is one we do not decode (802.3 LLC/SNAP, MPLS, PPPoE, IPX...), tshark does and may find IP/ARP inside',
    applies: (d, f) =>
      d.kind === 'tshark-only' &&
      f !== undefined &&
      f.ipVersion === 0 &&
      !f.hasArp &&
      !DECODED_ETHERTYPES.has(f.etherType) &&
      (fieldRank(d.field) >= 1 || d.field === 'vlan.id' || d.field === 'eth.type' || d.field === 'eth.src' || d.field === 'eth.dst'),
  },
  {
    id: 'carried-packet',
    reason:
      'an application protocol over TCP carries a whole packet (OpenFlow packet-in/out, ...); tshark dissects it, we stop at the TCP header',
    applies: (d, f) =>
      f !== undefined && d.kind === 'tshark-only' && f.ipProto === 6 && (f.values['tcp.seq_raw']?.length ?? 0) > 0 && fieldRank(d.field) >= 1,
  },
  {
    id: 'quoted-vrrp',
    reason:
      'tshark dissects the VRRP advert quoted in an ICMP error (a host without keepalived answers a unicast advert with protocol unreachable); we read the quoted IP header only: the quote is not an advert of the host that sends the error',
    applies: (d, f) => f !== undefined && d.kind === 'tshark-only' && d.field.startsWith('vrrp.') && (f.ipProto === 1 || f.ipProto === 58),
  },
  {
    id: 'other-ip-payload',
    reason:
      'the IP protocol is one we do not decode (SCTP, ESP, IPv6 mobility...) or a non-first fragment, while tshark finds TCP/UDP/ICMP headers further in',
    applies: (d, f) =>
      d.kind === 'tshark-only' &&
      f !== undefined &&
      fieldRank(d.field) >= 2 &&
      (!DECODED_PROTOS.has(f.ipProto) || f.fragOffset > 0),
  },
];

/** True when `tshark -v` runs. */
export function tsharkAvailable(): boolean {
  const r = spawnSync('tshark', ['-v'], { stdio: 'ignore' });
  return r.status === 0;
}

function list(v: string): string[] {
  return v === '' ? [] : v.split(',');
}

/** tshark prints numbers in decimal or hex ("0x0800"); compare them as decimal text. */
function norm(field: Field, v: string): string {
  if (v === 'True') return '1';
  if (v === 'False') return '0';
  if (/^0x[0-9a-f]+$/i.test(v)) {
    let n = parseInt(v, 16);
    if (field === 'tcp.flags') n &= 0x1ff;
    if (field === 'icmpv6.nd.na.flag') n = (n >>> 24) & 0xe0;
    return String(n);
  }
  return v.toLowerCase();
}

function push(values: Partial<Record<Field, string[]>>, field: Field, v: string | number): void {
  const l = values[field];
  if (l === undefined) values[field] = [String(v)];
  else l.push(String(v));
}

/** Our decode of one frame, as field lists in tshark's occurrence order. */
export function ourFrame(f: DecodedFrame): OurFrame {
  const v: Partial<Record<Field, string[]>> = {};
  const eth = f.linkType === 1;
  const sll = f.linkType === 113 || f.linkType === 276;
  if (eth) {
    if (f.ethSrc >= 0) push(v, 'eth.src', formatMac(f.ethSrc));
    if (f.ethDst >= 0) push(v, 'eth.dst', formatMac(f.ethDst));
    if (f.vlanCount > 0) push(v, 'vlan.id', f.vlanOuter);
    if (f.vlanCount > 1) push(v, 'vlan.id', f.vlanInner);
  }
  if (sll) {
    if (f.ethSrc >= 0) push(v, 'sll.src.eth', formatMac(f.ethSrc));
    if (f.sllPacketType >= 0) push(v, 'sll.pkttype', f.sllPacketType);
    if (f.etherType >= 0) push(v, 'sll.etype', f.etherType);
    if (f.sllIfIndex >= 0) push(v, 'sll.ifindex', f.sllIfIndex);
  }
  if (f.hasArp) {
    push(v, 'arp.opcode', f.arpOp);
    if (f.arpSenderMac >= 0) push(v, 'arp.src.hw_mac', formatMac(f.arpSenderMac));
    if (f.arpSenderIp >= 0) push(v, 'arp.src.proto_ipv4', formatIpv4(f.arpSenderIp));
    if (f.arpTargetMac >= 0) push(v, 'arp.dst.hw_mac', formatMac(f.arpTargetMac));
    if (f.arpTargetIp >= 0) push(v, 'arp.dst.proto_ipv4', formatIpv4(f.arpTargetIp));
  }
  if (f.ipVersion === 4 && f.ipSrc >= 0) {
    push(v, 'ip.src', formatIpv4(f.ipSrc));
    push(v, 'ip.dst', formatIpv4(f.ipDst));
    push(v, 'ip.ttl', f.ipTtl);
    push(v, 'ip.id', f.ipId);
    push(v, 'ip.proto', f.ipProto);
    push(v, 'ip.flags.df', f.ipDontFragment ? 1 : 0);
    push(v, 'ip.flags.mf', f.ipMoreFragments ? 1 : 0);
    push(v, 'ip.frag_offset', f.ipFragmentOffset >>> 3);
  }
  if (f.ipVersion === 6 && f.ipTtl >= 0) {
    push(v, 'ipv6.src', formatIpv6(f.ip6Src));
    push(v, 'ipv6.dst', formatIpv6(f.ip6Dst));
    push(v, 'ipv6.hlim', f.ipTtl);
  }
  if (f.innerIpVersion === 4 && f.innerIpSrc >= 0) {
    push(v, 'ip.src', formatIpv4(f.innerIpSrc));
    push(v, 'ip.dst', formatIpv4(f.innerIpDst));
  }
  if (f.icmpQuotedSrc >= 0) {
    push(v, 'ip.src', formatIpv4(f.icmpQuotedSrc));
    push(v, 'ip.dst', formatIpv4(f.icmpQuotedDst));
  }
  if (f.srcPort >= 0 && f.ipProto === 6) {
    push(v, 'tcp.srcport', f.srcPort);
    push(v, 'tcp.dstport', f.dstPort);
    if (f.tcpSeq >= 0) push(v, 'tcp.seq_raw', f.tcpSeq);
    if (f.tcpFlags >= 0) push(v, 'tcp.flags', f.tcpFlags);
    // tshark shows the acknowledgement number when the ACK flag is set, or when it is not 0
    // (with a note that it should be).
    if (f.tcpFlags >= 0 && ((f.tcpFlags & 0x10) !== 0 || f.tcpAck !== 0)) push(v, 'tcp.ack_raw', f.tcpAck);
  } else if (f.srcPort >= 0 && f.ipProto === 17) {
    push(v, 'udp.srcport', f.srcPort);
    push(v, 'udp.dstport', f.dstPort);
  }
  if (f.innerSrcPort >= 0) {
    const p = f.innerIpProto === 6 ? 'tcp' : 'udp';
    push(v, `${p}.srcport`, f.innerSrcPort);
    push(v, `${p}.dstport`, f.innerDstPort);
  }
  if (f.icmpQuotedSrcPort >= 0) {
    const p = f.icmpQuotedProto === 6 ? 'tcp' : 'udp';
    push(v, `${p}.srcport`, f.icmpQuotedSrcPort);
    push(v, `${p}.dstport`, f.icmpQuotedDstPort);
  }
  if (f.icmpType >= 0) {
    const p = f.ipVersion === 4 ? 'icmp' : 'icmpv6';
    push(v, `${p}.type`, f.icmpType);
    push(v, `${p}.code`, f.icmpCode);
  }
  if (f.ndType === 135) push(v, 'icmpv6.nd.ns.target_address', formatIpv6(f.ndTarget));
  if (f.ndType === 136) {
    push(v, 'icmpv6.nd.na.target_address', formatIpv6(f.ndTarget));
    push(v, 'icmpv6.nd.na.flag', f.ndFlags);
  }
  if (f.ndLinkAddr >= 0) push(v, 'icmpv6.opt.linkaddr', formatMac(f.ndLinkAddr));
  if (f.vrrpVersion >= 0) {
    push(v, 'vrrp.version', f.vrrpVersion);
    push(v, 'vrrp.type', f.vrrpType);
    push(v, 'vrrp.virt_rtr_id', f.vrrpVrid);
    push(v, 'vrrp.prio', f.vrrpPriority);
    push(v, 'vrrp.addr_count', f.vrrpAddrCount);
    if (f.vrrpVersion === 3) {
      push(v, 'vrrp.short_adver_int', f.vrrpIntervalCentis);
    } else {
      push(v, 'vrrp.auth_type', f.vrrpAuthType);
      push(v, 'vrrp.adver_int', f.vrrpIntervalCentis / 100);
    }
    for (const a of vrrpAddresses(f)) push(v, f.ipVersion === 6 ? 'vrrp.ipv6_addr' : 'vrrp.ip_addr', a);
    push(v, 'vrrp.checksum.status', f.vrrpChecksum);
  }
  return {
    linkType: f.linkType,
    etherType: f.etherType,
    ipVersion: f.ipVersion,
    ipProto: f.ipProto,
    fragOffset: f.ipFragmentOffset,
    truncatedLayer: f.truncatedLayer,
    malformedLayer: f.malformedLayer,
    weird: f.weird,
    encapsulation: f.encapsulation,
    innerIpVersion: f.innerIpVersion,
    icmpType: f.icmpType,
    arpEthIpv4: f.arpIsEthIpv4,
    hasArp: f.hasArp,
    arpHardwareType: f.hasArp ? arpHardwareType(f) : -1,
    ethDst: f.ethDst,
    values: v,
  };
}

/** The ARP header's hardware type: the two bytes after the link header of an ARP frame. */
function arpHardwareType(f: DecodedFrame): number {
  const link = f.linkType === 1 ? 14 + 4 * f.vlanCount : f.linkType === 113 ? 16 : f.linkType === 276 ? 20 : -1;
  if (link < 0 || f.capturedLength < link + 2) return -1;
  const o = f.offset + link;
  return (f.data[o]! << 8) | f.data[o + 1]!;
}

export interface DiffResult {
  file: string;
  /** Frames decoded by both sides and compared. */
  frames: number;
  /** Field values found equal on both sides (the work the differences are out of). */
  matched: number;
  /** Frames skipped because their link type is not in `linkTypes`. */
  skipped: number;
  differences: Difference[];
  /** Reader problems (for the record; the reader has its own tests). */
  issues: string[];
}

export interface DiffOptions {
  /** Only frames of these link types are compared (all when undefined). */
  linkTypes?: ReadonlySet<number>;
}

/** Decodes `file` both ways and lists every difference, explained or not. */
export async function tsharkDiff(file: string, options: DiffOptions = {}): Promise<DiffResult> {
  const ours = new Map<number, OurFrame>();
  const frame = new DecodedFrame();
  const issues: string[] = [];
  await readCapture(file, {
    onRecord(rec: CaptureRecord) {
      decodeFrame(rec, frame);
      ours.set(rec.frameNumber, ourFrame(frame));
    },
    onIssue(issue) {
      issues.push(`${issue.code}: ${issue.message}`);
    },
  });
  const differences: Difference[] = [];
  let frames = 0;
  let skipped = 0;
  let matched = 0;
  const seen = new Set<number>();
  for await (const line of tsharkLines(file)) {
    const cols = line.split('\t');
    const num = Number(cols[0]);
    const f = ours.get(num);
    seen.add(num);
    if (f === undefined) {
      differences.push({ file, frame: num, field: 'frame', kind: 'tshark-only', ours: '', theirs: 'frame' });
      continue;
    }
    if (options.linkTypes !== undefined && !options.linkTypes.has(f.linkType)) {
      skipped++;
      continue;
    }
    frames++;
    const theirs = new Map<Field, string[]>();
    FIELDS.forEach((name, i) => theirs.set(name, list(cols[i + 1] ?? '').map((x) => norm(name, x))));
    matched += compareFrame(file, num, f, theirs, differences);
  }
  for (const [num, f] of ours) {
    if (seen.has(num)) continue;
    if (options.linkTypes !== undefined && !options.linkTypes.has(f.linkType)) continue;
    differences.push({ file, frame: num, field: 'frame', kind: 'ours-only', ours: 'frame', theirs: '' });
  }
  for (const d of differences) {
    const f = ours.get(d.frame);
    const e = EXPLANATIONS.find((x) => x.applies(d, f));
    if (e !== undefined) d.explanation = e.id;
  }
  return { file, frames, matched, skipped, differences, issues };
}

/**
 * tshark's output lines for `file`. With TSHARK_DIFF_CACHE set to a directory, the output is
 * kept there (keyed by path and arguments) so that iterating on the decoders does not rerun
 * tshark on an unchanged corpus.
 */
async function* tsharkLines(file: string): AsyncGenerator<string> {
  const cacheDir = process.env['TSHARK_DIFF_CACHE'];
  let cacheFile: string | undefined;
  if (cacheDir !== undefined && cacheDir !== '') {
    mkdirSync(cacheDir, { recursive: true });
    const key = createHash('sha1').update(file).update(TSHARK_ARGS.join(' ')).digest('hex');
    cacheFile = join(cacheDir, key + '.tsv');
    if (existsSync(cacheFile)) {
      yield* readFileSync(cacheFile, 'utf8').split('\n').filter((l) => l !== '');
      return;
    }
  }
  const child = spawn('tshark', ['-r', file, ...TSHARK_ARGS], { stdio: ['ignore', 'pipe', 'ignore'] });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const kept: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    if (cacheFile !== undefined) kept.push(line);
    yield line;
  }
  await closed;
  if (cacheFile !== undefined) writeFileSync(cacheFile, kept.join('\n') + '\n');
}

function compareFrame(file: string, num: number, f: OurFrame, theirs: Map<Field, string[]>, out: Difference[]): number {
  let matched = 0;
  for (const field of FIELDS) {
    let mine = f.values[field] ?? [];
    let their = theirs.get(field) ?? [];
    if (field === 'vlan.etype' || field === 'ieee8021ad.id' || field === 'ieee8021ah.etype') continue;
    if (field === 'sll.gretype' || field === 'sll.ltype') continue;
    if (field === 'sll.etype') {
      // tshark names the SLL protocol field by ARPHRD type: gretype for IPGRE, ltype below 0x0600.
      their = [...their, ...(theirs.get('sll.gretype') ?? []), ...(theirs.get('sll.ltype') ?? [])];
    }
    if (field === 'vlan.id') {
      // tshark names 802.1ad tags ieee8021ad.*; they come before the 802.1Q ones in a QinQ stack.
      their = [...(theirs.get('ieee8021ad.id') ?? []), ...their];
    }
    if (field === 'eth.type') {
      // Our etherType is the one after the tags; tshark's is eth.type, then one type per tag.
      const chain = [
        ...(theirs.get('eth.type') ?? []).slice(0, 1),
        ...(theirs.get('ieee8021ah.etype') ?? []),
        ...(theirs.get('vlan.etype') ?? []),
      ];
      const vlanCount = f.values['vlan.id']?.length ?? 0;
      const tags = Math.max(vlanCount, f.linkType === 1 ? countTags(chain) : 0);
      their = chain.length > tags ? [chain[tags]!] : [];
      mine = f.linkType === 1 && f.etherType >= 0 ? [String(f.etherType)] : [];
    }
    if (field === 'vlan.id' && mine.length === 2) their = their.slice(0, 2);
    const n = Math.max(mine.length, their.length);
    for (let i = 0; i < n; i++) {
      const a = mine[i];
      const b = their[i];
      if (a === b) {
        matched++;
        continue;
      }
      if (a === undefined) {
        out.push({ file, frame: num, field, kind: 'tshark-only', ours: mine.join(','), theirs: their.join(',') });
      } else if (b === undefined) {
        out.push({ file, frame: num, field, kind: 'ours-only', ours: mine.join(','), theirs: their.join(',') });
      } else {
        out.push({ file, frame: num, field, kind: 'mismatch', ours: mine.join(','), theirs: their.join(',') });
      }
      break;
    }
  }
  return matched;
}

function countTags(chain: string[]): number {
  let n = 0;
  while (n < chain.length && (chain[n] === '33024' || chain[n] === '34984' || chain[n] === '37120')) n++;
  return n;
}

/** One line per difference kind: "field kind explanation count". */
export function summarize(diffs: readonly Difference[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const d of diffs) {
    const k = `${d.explanation ?? 'UNEXPLAINED'} ${d.field} ${d.kind}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

