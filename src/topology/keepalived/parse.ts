/**
 * keepalived.conf (keepalived 2.2.7's grammar) as lvs-pcap's given topology: the
 * `virtual_server` blocks become the services ipvsadm would list once keepalived has built
 * the IPVS table (scheduler, persistence, real servers with weights and forwarding method,
 * keepalived's defaults applied), the `vrrp_instance` blocks the VRRP instances whose adverts
 * the capture is checked against. Blocks and keywords lvs-pcap does not use are skipped; in
 * the blocks it reads, whatever keepalived's own config test rejects is a one-line error with
 * the file and line, because keepalived would run without it and the check would verify a
 * setup other than the one running.
 */
import { checkIp, type IpFamily } from '../given.js';
import type { ConfiguredRealServer, ForwardMethod, GivenTopology, L4Proto, VirtualService, VrrpInstance } from '../topology.js';
import { closest, REAL_SERVER, ROOT, SCHEDULERS, VIRTUAL_SERVER, VRRP_INSTANCE, VRRP_INSTANCE_SKIPPED_BLOCKS, VRRP_SCRIPT, VRRP_TRACK_PROCESS } from './keywords.js';
import { fail, readKeepalivedLines, where, type ConfLine } from './read.js';

/** One statement: a line of words, with the `{ }` block that follows it, if any. */
interface Stmt {
  words: string[];
  file: string;
  line: number;
  block: Stmt[] | null;
}

export interface KeepalivedConfig {
  /** The file as given. */
  file: string;
  services: VirtualService[];
  /** `sorry_server` addresses: real servers IPVS gets when all the others are down. */
  sorryServers: string[];
  vrrpInstances: VrrpInstance[];
}

/** keepalived's defaults (libipvs.h, vrrp.h, check_data.c). */
const DEFAULT_PERSISTENCE = 360;
const MAX_PERSISTENCE = 86400 * 31;
const MAX_WEIGHT = 2147483647;
const DEFAULT_PRIORITY = 100;
const OWNER_PRIORITY = 255;
/** A group range bigger than this is refused: lvs-pcap keeps one service per address. */
const MAX_GROUP_ADDRESSES = 4096;

function tree(lines: readonly ConfLine[]): Stmt[] {
  const root: Stmt[] = [];
  const stack: { list: Stmt[]; opener: Stmt | null }[] = [{ list: root, opener: null }];
  let previous: Stmt | null = null;
  for (const l of lines) {
    const top = stack[stack.length - 1]!;
    if (l.words.length === 1 && l.words[0] === '{') {
      if (previous === null || previous.block !== null) fail(l, "a '{' that opens no block (it must follow the keyword it belongs to)");
      previous.block = [];
      stack.push({ list: previous.block, opener: previous });
      previous = null;
      continue;
    }
    if (l.words.length === 1 && l.words[0] === '}') {
      if (stack.length === 1) fail(l, "a '}' that closes no block");
      stack.pop();
      previous = null;
      continue;
    }
    const s: Stmt = { words: l.words, file: l.file, line: l.line, block: null };
    top.list.push(s);
    previous = s;
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1]!.opener!;
    fail(open, `the block of '${open.words.join(' ')}' is never closed (a '}' is missing)`);
  }
  return root;
}

function unknown(s: Stmt, within: string, known: ReadonlySet<string>): never {
  const k = s.words[0]!;
  const guess = closest(k, known);
  fail(s, `unknown keyword '${k}' in ${within}${guess !== undefined ? ` (did you mean '${guess}'?)` : ''}; keepalived ignores it (its --config-test rejects it)`);
}

function arg(s: Stmt, i: number, what: string): string {
  const v = s.words[i];
  if (v === undefined) fail(s, `${s.words[0]!}: ${what} is missing`);
  return v;
}

function noExtra(s: Stmt, n: number): void {
  if (s.words.length > n) fail(s, `${s.words[0]!}: unexpected '${s.words[n]!}'`);
}

function noBlock(s: Stmt): void {
  if (s.block !== null) fail(s, `${s.words[0]!} takes no { } block`);
}

function needBlock(s: Stmt): Stmt[] {
  if (s.block === null) fail(s, `${s.words.join(' ')}: a { } block must follow`);
  return s.block;
}

function uint(s: Stmt, i: number, what: string, min: number, max: number): number {
  const v = arg(s, i, what);
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) fail(s, `${s.words[0]!}: ${what} '${v}' is not a whole number ${min}-${max}`);
  return Number(v);
}

/** A signed tracking weight, -253..253 as keepalived takes it. */
function weightAt(s: Stmt, i: number): number {
  const v = s.words[i];
  if (v === undefined || !/^-?[0-9]+$/.test(v) || Math.abs(Number(v)) > 253) fail(s, `weight '${v ?? ''}' is not a whole number -253..253`);
  return Number(v);
}

function address(s: Stmt, text: string, what: string): { ip: string; family: IpFamily } {
  const ip = checkIp(text);
  if (!ip.ok) fail(s, `${what} '${text}': ${ip.reason}`);
  return ip.value;
}

/** `lb_kind` / `lvs_method` values, with TUN's options checked as keepalived checks them. */
function forwarding(s: Stmt): ForwardMethod {
  const m = arg(s, 1, 'the forwarding method (DR, NAT or TUN)');
  if (m === 'DR' || m === 'NAT') {
    noExtra(s, 2);
    return m === 'DR' ? 'route' : 'masq';
  }
  if (m !== 'TUN') fail(s, `${s.words[0]!}: unknown forwarding method '${m}' (DR, NAT or TUN; keepalived's are case-sensitive)`);
  let type = 'ipip';
  let port = false;
  for (let i = 2; i < s.words.length; i++) {
    const w = s.words[i]!;
    if (w === 'type') {
      type = arg(s, ++i, 'the tunnel type');
      if (type !== 'ipip' && type !== 'gue' && type !== 'gre') fail(s, `unknown tunnel type '${type}' (ipip, gue or gre)`);
    } else if (w === 'port') {
      uint(s, ++i, 'the gue port', 1, 65535);
      port = true;
    } else if (w !== 'nocsum' && w !== 'csum' && w !== 'remcsum') {
      fail(s, `unknown tunnel option '${w}'`);
    }
  }
  if ((type === 'gue') !== port) fail(s, 'a gue tunnel needs a port, and only a gue tunnel takes one');
  return 'tunnel';
}

/** `persistence_granularity`: a dotted netmask (IPv4) or a prefix length (IPv6). */
function granularity(s: Stmt, family: IpFamily | undefined): string {
  const v = arg(s, 1, 'the netmask');
  const fam = family ?? (v.includes('.') ? 'ipv4' : 'ipv6');
  if (fam === 'ipv6') {
    if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 128) fail(s, `IPv6 persistence_granularity '${v}' is not a prefix length 1-128`);
    return String(Number(v));
  }
  const ip = checkIp(v);
  if (!ip.ok || ip.value.family !== 'ipv4') fail(s, `IPv4 persistence_granularity '${v}' is not a dotted netmask`);
  return ip.value.ip;
}

function fullMask(mask: string): boolean {
  return mask === '255.255.255.255' || mask === '128';
}

interface GroupEntry {
  /** An address service (`vip`, `port`) or an fwmark one (`fwmark`, `family`). */
  vip?: string;
  family: IpFamily | undefined;
  port?: number;
  fwmark?: number;
  at: Stmt;
}

interface RsDraft {
  ip: string;
  family: IpFamily;
  port: number | undefined;
  weight: number | undefined;
  forward: ForwardMethod | undefined;
  at: Stmt;
}

interface Tracked {
  kind: 'script' | 'interface' | 'file' | 'process' | 'bfd';
  name: string;
  /** The weight on the track line, when given. */
  weight: number | undefined;
  at: Stmt;
}

class Parser {
  private readonly groups = new Map<string, GroupEntry[]>();
  private readonly scriptWeights = new Map<string, number>();
  private readonly processWeights = new Map<string, number>();
  private readonly fileWeights = new Map<string, number>();
  private vrrpVersion: 2 | 3 = 2;
  readonly services: VirtualService[] = [];
  readonly sorryServers: string[] = [];
  readonly instances: VrrpInstance[] = [];
  /** The statement of each instance, for errors. */
  private readonly instanceAt: Stmt[] = [];

  constructor(private readonly file: string) {}

  run(root: Stmt[]): void {
    for (const s of root) if (!ROOT.has(s.words[0]!)) unknown(s, 'the top level', ROOT);
    // Names used before their definition are resolved as keepalived resolves them: after reading.
    for (const s of root) {
      const k = s.words[0]!;
      if (k === 'global_defs') this.globalDefs(needBlock(s));
      else if (k === 'virtual_server_group') this.group(s);
      else if (k === 'vrrp_script') this.tracker(s, VRRP_SCRIPT, 'vrrp_script', this.scriptWeights);
      else if (k === 'vrrp_track_process') this.tracker(s, VRRP_TRACK_PROCESS, 'vrrp_track_process', this.processWeights);
      else if (k === 'vrrp_track_file' || k === 'track_file') this.trackFile(s);
    }
    for (const s of root) {
      const k = s.words[0]!;
      if (k === 'virtual_server') this.virtualServer(s);
      else if (k === 'vrrp_instance') this.vrrpInstance(s);
    }
    this.vridConflicts();
  }

  private globalDefs(block: Stmt[]): void {
    // global_defs holds process, mail and SNMP settings: only the VRRP version matters here.
    for (const s of block) {
      if (s.words[0] === 'vrrp_version') {
        const v = uint(s, 1, 'the VRRP version', 2, 3);
        this.vrrpVersion = v === 3 ? 3 : 2;
      }
    }
  }

  /** vrrp_script / vrrp_track_process: only the weight is read. */
  private tracker(s: Stmt, known: ReadonlySet<string>, what: string, weights: Map<string, number>): void {
    const name = arg(s, 1, 'the name');
    noExtra(s, 2);
    let weight = 0;
    for (const t of needBlock(s)) {
      if (!known.has(t.words[0]!)) unknown(t, `${what} ${name}`, known);
      if (t.words[0] === 'weight') weight = weightAt(t, 1);
    }
    weights.set(name, weight);
  }

  private trackFile(s: Stmt): void {
    const name = arg(s, 1, 'the name');
    let weight = 1;
    for (const t of needBlock(s)) if (t.words[0] === 'weight') weight = weightAt(t, 1);
    this.fileWeights.set(name, weight);
  }

  private group(s: Stmt): void {
    const name = arg(s, 1, 'the group name');
    noExtra(s, 2);
    if (this.groups.has(name)) fail(s, `virtual_server_group ${name} is defined twice`);
    const entries: GroupEntry[] = [];
    for (const e of needBlock(s)) {
      noBlock(e);
      if (e.words[0] === 'fwmark') {
        const mark = uint(e, 1, 'the firewall mark', 1, 0xffffffff);
        const fam = e.words[2];
        if (fam !== undefined && fam !== 'inet' && fam !== 'inet6') fail(e, `fwmark ${mark}: unknown family '${fam}' (inet or inet6)`);
        entries.push({ fwmark: mark, family: fam === 'inet6' ? 'ipv6' : fam === 'inet' ? 'ipv4' : undefined, at: e });
        continue;
      }
      const port = e.words[1] === undefined ? 0 : uint(e, 1, 'the port', 0, 65535);
      for (const ip of expandRange(e, e.words[0]!)) {
        entries.push({ vip: ip.ip, family: ip.family, ...(port !== 0 ? { port } : {}), at: e });
      }
    }
    if (entries.length === 0) fail(s, `virtual_server_group ${name} has no entries`);
    this.groups.set(name, entries);
  }

  private virtualServer(s: Stmt): void {
    const kind = arg(s, 1, 'the address (or fwmark N, or group NAME)');
    const block = needBlock(s);
    let entries: GroupEntry[];
    let headerFamily: IpFamily | undefined;
    if (kind === 'group') {
      const name = arg(s, 2, 'the group name');
      noExtra(s, 3);
      const g = this.groups.get(name);
      if (g === undefined) fail(s, `virtual_server group ${name}: no virtual_server_group ${name}`);
      entries = g;
    } else if (kind === 'fwmark') {
      noExtra(s, 3);
      entries = [{ fwmark: uint(s, 2, 'the firewall mark', 1, 0xffffffff), family: undefined, at: s }];
    } else {
      noExtra(s, 3);
      const ip = address(s, kind, 'virtual_server address');
      headerFamily = ip.family;
      const port = s.words[2] === undefined ? 0 : uint(s, 2, 'the port', 0, 65535);
      entries = [{ vip: ip.ip, family: ip.family, ...(port !== 0 ? { port } : {}), at: s }];
    }
    const label = s.words.join(' ');
    let proto: L4Proto | undefined;
    let scheduler: string | undefined;
    let vsForward: ForwardMethod | undefined;
    let persistence: number | undefined;
    let maskStmt: Stmt | undefined;
    let ipFamily: IpFamily | undefined;
    let defaultWeight = 1;
    const rss: RsDraft[] = [];
    for (const t of block) {
      const k = t.words[0]!;
      if (!VIRTUAL_SERVER.has(k)) unknown(t, `virtual_server ${s.words.slice(1).join(' ')}`, VIRTUAL_SERVER);
      switch (k) {
        case 'protocol': {
          const p = arg(t, 1, 'the protocol').toUpperCase();
          if (p === 'SCTP') fail(t, 'SCTP services are not supported by lvs-pcap (tcp and udp only)');
          if (p !== 'TCP' && p !== 'UDP') fail(t, `unknown protocol '${t.words[1]!}' (TCP, UDP or SCTP)`);
          proto = p === 'TCP' ? 'tcp' : 'udp';
          break;
        }
        case 'lb_algo':
        case 'lvs_sched': {
          const name = arg(t, 1, 'the scheduler');
          if (!SCHEDULERS.has(name)) fail(t, `unknown scheduler '${name}' (${[...SCHEDULERS].join(', ')})`);
          scheduler = name;
          break;
        }
        case 'lb_kind':
        case 'lvs_method':
          vsForward = forwarding(t);
          break;
        case 'persistence_timeout':
          persistence = t.words[1] === undefined ? DEFAULT_PERSISTENCE : uint(t, 1, 'the timeout', 1, MAX_PERSISTENCE);
          break;
        case 'persistence_granularity':
          maskStmt = t;
          break;
        case 'ip_family': {
          const f = arg(t, 1, 'the family (inet or inet6)');
          if (f !== 'inet' && f !== 'inet6') fail(t, `unknown address family '${f}' (inet or inet6)`);
          ipFamily = f === 'inet6' ? 'ipv6' : 'ipv4';
          if (headerFamily !== undefined && ipFamily !== headerFamily) fail(t, `ip_family ${f} contradicts the address ${kind}`);
          break;
        }
        case 'weight':
          defaultWeight = uint(t, 1, 'the weight', 0, MAX_WEIGHT);
          break;
        case 'real_server':
          rss.push(this.realServer(t, vsForward));
          break;
        case 'sorry_server': {
          const ip = address(t, arg(t, 1, 'the address'), 'sorry_server address');
          if (t.words[2] !== undefined) uint(t, 2, 'the port', 0, 65535);
          this.sorryServers.push(ip.ip);
          break;
        }
        case 'sorry_server_lvs_method':
          forwarding(t);
          break;
        case 'sh-port':
        case 'sh-fallback':
          if (scheduler !== 'sh') fail(t, `${k} applies to the sh scheduler only (set lb_algo sh before it)`);
          break;
        case 'mh-port':
        case 'mh-fallback':
          if (scheduler !== 'mh') fail(t, `${k} applies to the mh scheduler only (set lb_algo mh before it)`);
          break;
        default:
          // delay_loop, quorum, alpha, ha_suspend...: health checking, not forwarding.
          break;
      }
      if (k !== 'real_server') noBlock(t);
    }
    const addressed = entries.some((e) => e.fwmark === undefined);
    if (rss.length === 0) fail(s, `${label} has no real_server (keepalived ignores it)`);
    if (addressed && proto === undefined) fail(s, `${label} has no protocol (keepalived then sets up a UDP service; its --config-test rejects it)`);
    if (scheduler === undefined) fail(s, `${label} has no lb_algo (keepalived then uses wlc; its --config-test rejects it)`);
    if (persistence === undefined && entries.some((e) => e.fwmark === undefined && e.port === undefined)) {
      fail(s, `${label}: port 0 (every port) needs persistence_timeout`);
    }
    const family = headerFamily ?? ipFamily ?? rss.find((r) => r.forward !== 'tunnel')?.family;
    let mask: string | undefined;
    if (maskStmt !== undefined) {
      mask = granularity(maskStmt, family);
      persistence ??= DEFAULT_PERSISTENCE;
    }
    const realServers = this.resolveRealServers(s, rss, vsForward, defaultWeight, family);
    for (const e of entries) {
      let svc: VirtualService;
      if (e.fwmark !== undefined) {
        svc = { vip: '', proto: 'tcp', fwmark: e.fwmark, family: e.family ?? family ?? 'ipv4' };
      } else {
        svc = { vip: e.vip!, proto: proto!, ...(e.port !== undefined ? { port: e.port } : {}) };
      }
      svc.scheduler = scheduler;
      if (persistence !== undefined) svc.persistence = persistence;
      if (mask !== undefined && !fullMask(mask)) svc.persistenceMask = mask;
      svc.realServers = realServers.map((r) => this.rsForEntry(r, e, s));
      if (this.services.some((x) => sameService(x, svc))) fail(s, `${label}: the service ${describeService(svc)} is defined twice`);
      this.services.push(svc);
    }
  }

  private realServer(t: Stmt, vsForward: ForwardMethod | undefined): RsDraft {
    const ip = address(t, arg(t, 1, 'the address'), 'real_server address');
    noExtra(t, 3);
    const port = t.words[2] === undefined ? undefined : uint(t, 2, 'the port', 0, 65535);
    const rs: RsDraft = { ip: ip.ip, family: ip.family, port: port === 0 ? undefined : port, weight: undefined, forward: vsForward, at: t };
    for (const r of needBlock(t)) {
      const k = r.words[0]!;
      if (!REAL_SERVER.has(k)) unknown(r, `real_server ${t.words.slice(1).join(' ')}`, REAL_SERVER);
      if (k === 'weight') rs.weight = uint(r, 1, 'the weight', 0, MAX_WEIGHT);
      else if (k === 'lvs_method') rs.forward = forwarding(r);
      else if (k === 'inhibit_on_failure' && r.words[1] !== undefined && !/^(true|false|on|off|yes|no)$/i.test(r.words[1])) {
        fail(r, `inhibit_on_failure: '${r.words[1]}' is not true or false`);
      }
    }
    return rs;
  }

  private resolveRealServers(s: Stmt, rss: RsDraft[], vsForward: ForwardMethod | undefined, weight: number, family: IpFamily | undefined): RsDraft[] {
    const seen = new Set<string>();
    for (const r of rss) {
      if (r.forward === undefined) {
        if (vsForward === undefined) fail(r.at, `real_server ${r.ip}: no forwarding method (lb_kind on the virtual_server or lvs_method here; keepalived then uses NAT and its --config-test rejects it)`);
        r.forward = vsForward;
      }
      r.weight ??= weight;
      if (r.forward !== 'tunnel' && family !== undefined && r.family !== family) {
        fail(r.at, `real_server ${r.ip} is ${r.family === 'ipv6' ? 'IPv6' : 'IPv4'}, the virtual_server ${r.family === 'ipv6' ? 'IPv4' : 'IPv6'} (only tunnelled real servers may differ)`);
      }
      const key = `${r.ip}/${r.port ?? 0}`;
      if (seen.has(key)) fail(r.at, `real_server ${r.ip}${r.port !== undefined ? ` ${r.port}` : ''} appears twice in ${s.words.join(' ')}`);
      seen.add(key);
    }
    return rss;
  }

  /** The real server as IPVS holds it for one address (or fwmark) of the virtual server. */
  private rsForEntry(r: RsDraft, e: GroupEntry, s: Stmt): ConfiguredRealServer {
    const rs: ConfiguredRealServer = { ip: r.ip, weight: r.weight!, forward: r.forward! };
    if (r.forward === 'masq') {
      const port = r.port ?? (e.fwmark === undefined ? e.port : undefined);
      if (port !== undefined) rs.port = port;
      return rs;
    }
    if (e.fwmark !== undefined) {
      if (r.port !== undefined) fail(r.at, `real_server ${r.ip} ${r.port}: a port on a real server of an fwmark service (IPVS ignores it; keepalived's --config-test rejects it)`);
      return rs;
    }
    if (r.port !== undefined && r.port !== e.port) {
      fail(r.at, `real_server ${r.ip} ${r.port}: port differs from the virtual server's ${e.port ?? 0} (${where(s)}); without NAT IPVS keeps the client's port`);
    }
    if (e.port !== undefined) rs.port = e.port;
    return rs;
  }

  private vrrpInstance(s: Stmt): void {
    if (s.words.length !== 2) fail(s, 'vrrp_instance must have one name');
    const name = s.words[1]!;
    if (this.instances.some((i) => i.name === name)) fail(s, `vrrp_instance ${name} is defined twice`);
    const block = needBlock(s);
    let state: 'MASTER' | 'BACKUP' | undefined;
    let vrid: number | undefined;
    let priority: number | undefined;
    let interval = 100;
    let version: 2 | 3 | undefined;
    let iface: string | undefined;
    let sourceIp: string | undefined;
    let authType: VrrpInstance['authType'] = 'none';
    let authPass = false;
    let nopreempt = false;
    let intervalStmt: Stmt | undefined;
    const vips: { ip: string; family: IpFamily; at: Stmt }[] = [];
    const excluded: { ip: string; family: IpFamily; at: Stmt }[] = [];
    const peers: string[] = [];
    const tracked: Tracked[] = [];
    const within = `vrrp_instance ${name}`;
    for (const t of block) {
      const k = t.words[0]!;
      if (!VRRP_INSTANCE.has(k)) unknown(t, within, VRRP_INSTANCE);
      switch (k) {
        case 'state': {
          const v = arg(t, 1, 'the state (MASTER or BACKUP)');
          if (v !== 'MASTER' && v !== 'BACKUP') fail(t, `unknown state '${v}' (MASTER or BACKUP; keepalived's are case-sensitive)`);
          if (v === 'BACKUP' && state === 'MASTER') fail(t, 'state BACKUP after state MASTER (keepalived keeps MASTER)');
          state = v;
          break;
        }
        case 'virtual_router_id':
          vrid = uint(t, 1, 'the VRID', 1, 255);
          break;
        case 'priority':
          priority = uint(t, 1, 'the priority', 1, 255);
          break;
        case 'advert_int':
          interval = centiseconds(t);
          intervalStmt = t;
          break;
        case 'version': {
          const v = uint(t, 1, 'the version', 2, 3);
          version = v === 3 ? 3 : 2;
          break;
        }
        case 'interface':
          iface = arg(t, 1, 'the interface');
          if (iface.length >= 16) fail(t, `interface name '${iface}' is longer than 15 characters`);
          break;
        case 'unicast_src_ip':
        case 'mcast_src_ip':
          sourceIp = address(t, arg(t, 1, 'the address'), k).ip;
          break;
        case 'virtual_ipaddress':
        case 'virtual_ipaddress_excluded':
          for (const v of valueLines(t)) {
            const a = arg(v, 0, 'the address').replace(/\/[0-9]+$/, '');
            const ip = address(v, a, 'virtual_ipaddress');
            (k === 'virtual_ipaddress' ? vips : excluded).push({ ...ip, at: v });
          }
          break;
        case 'unicast_peer':
          for (const v of valueLines(t)) peers.push(address(v, arg(v, 0, 'the address'), 'unicast_peer').ip);
          break;
        case 'authentication':
          for (const v of needBlock(t)) {
            noBlock(v);
            if (v.words[0] === 'auth_type') {
              const a = arg(v, 1, 'the type (PASS or AH)');
              if (a !== 'PASS' && a !== 'AH') fail(v, `unknown auth_type '${a}' (PASS or AH)`);
              authType = a;
            } else if (v.words[0] === 'auth_pass') {
              arg(v, 1, 'the password');
              authPass = true;
            } else {
              unknown(v, `${within} authentication`, new Set(['auth_type', 'auth_pass']));
            }
          }
          break;
        case 'track_script':
        case 'track_interface':
        case 'track_file':
        case 'track_process':
        case 'track_bfd':
          for (const v of valueLines(t)) tracked.push(trackLine(v, k));
          break;
        case 'nopreempt':
          nopreempt = true;
          break;
        case 'preempt':
          nopreempt = false;
          break;
        default:
          if (t.block !== null && !VRRP_INSTANCE_SKIPPED_BLOCKS.has(k)) noBlock(t);
          break;
      }
    }
    if (vrid === undefined) fail(s, `${within}: no virtual_router_id (keepalived does not start the instance)`);
    if (vips.length === 0) fail(s, `${within}: no virtual_ipaddress (keepalived's --config-test rejects it)`);
    const family = vips[0]!.family;
    for (const v of [...vips, ...excluded]) {
      if (v.family !== family) fail(v.at, `${within}: ${v.ip} is ${v.family === 'ipv6' ? 'IPv6' : 'IPv4'}, the instance's first address is not (keepalived drops it)`);
    }
    if (version === 2 && family === 'ipv6') fail(s, `${within}: VRRP version 2 cannot carry IPv6 addresses`);
    const ver: 2 | 3 = version ?? (family === 'ipv6' ? 3 : this.vrrpVersion);
    if (intervalStmt !== undefined) {
      if (ver === 2 && interval % 100 !== 0) fail(intervalStmt, `${within}: VRRP version 2 advertises whole seconds; advert_int ${intervalStmt.words[1]!} is not one`);
      if (ver === 3 && interval > 4095) fail(intervalStmt, `${within}: VRRP version 3 advertises at most every 40.95 s`);
    }
    if (authType !== 'none') {
      if (ver === 3) fail(s, `${within}: VRRP version 3 has no authentication (keepalived ignores it; its --config-test rejects it)`);
      if (authType === 'PASS' && !authPass) fail(s, `${within}: auth_type PASS without auth_pass`);
    }
    if (iface === undefined && peers.length === 0) fail(s, `${within}: no interface (keepalived does not start the instance)`);
    const base = priority ?? (state === 'MASTER' ? OWNER_PRIORITY : DEFAULT_PRIORITY);
    this.instanceAt.push(s);
    this.instances.push({
      name,
      config: this.file,
      where: where(s),
      vrid,
      version: ver,
      family,
      state: state ?? (base === OWNER_PRIORITY ? 'MASTER' : 'BACKUP'),
      priority: base,
      priorityRange: this.priorityRange(base, tracked),
      advertIntervalCentis: interval,
      vips: vips.map((v) => v.ip),
      excludedVips: excluded.map((v) => v.ip),
      ...(iface !== undefined ? { interface: iface } : {}),
      unicastPeers: peers,
      ...(sourceIp !== undefined ? { sourceIp } : {}),
      authType,
      nopreempt,
    });
  }

  /** Base priority moved by every tracking weight either way (a failing check subtracts, a reversed one adds). */
  private priorityRange(base: number, tracked: Tracked[]): [number, number] | null {
    if (base === OWNER_PRIORITY) return [OWNER_PRIORITY, OWNER_PRIORITY];
    let sum = 0;
    for (const t of tracked) {
      let w = t.weight;
      if (t.kind === 'script') {
        const sw = this.scriptWeights.get(t.name);
        if (sw === undefined) fail(t.at, `track_script ${t.name}: no vrrp_script ${t.name}`);
        w ??= sw;
      } else if (t.kind === 'process') {
        const pw = this.processWeights.get(t.name);
        if (pw === undefined) fail(t.at, `track_process ${t.name}: no vrrp_track_process ${t.name}`);
        w ??= pw;
      } else if (t.kind === 'file') {
        const fw = this.fileWeights.get(t.name);
        if (fw === undefined) fail(t.at, `track_file ${t.name}: no vrrp_track_file ${t.name}`);
        // The file's number is multiplied by the weight at run time: any priority may result.
        if ((w ?? fw) !== 0) return null;
      }
      sum += Math.abs(w ?? 0);
    }
    return [Math.max(1, base - sum), Math.min(254, base + sum)];
  }

  /** keepalived refuses two instances with one VRID on one interface and family (multicast). */
  private vridConflicts(): void {
    for (let i = 0; i < this.instances.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = this.instances[i]!;
        const b = this.instances[j]!;
        if (a.vrid === b.vrid && a.family === b.family && a.interface === b.interface && a.unicastPeers.length === 0 && b.unicastPeers.length === 0) {
          fail(this.instanceAt[i]!, `vrrp_instance ${a.name}: VRID ${a.vrid} is already vrrp_instance ${b.name}'s (${b.where}) on the same interface`);
        }
      }
    }
  }
}

/** The entries of a value block (`virtual_ipaddress { ... }`), one per line. */
function valueLines(s: Stmt): Stmt[] {
  const block = needBlock(s);
  for (const v of block) noBlock(v);
  return block;
}

function trackLine(v: Stmt, keyword: string): Tracked {
  const kind = keyword.slice('track_'.length) as Tracked['kind'];
  const name = arg(v, 0, 'the name');
  let weight: number | undefined;
  for (let i = 1; i < v.words.length; i++) {
    const w = v.words[i]!;
    if (w === 'weight') weight = weightAt(v, ++i);
    else if (w !== 'reverse' && w !== 'noreverse') fail(v, `${keyword} ${name}: unexpected '${w}'`);
  }
  return { kind, name, weight, at: v };
}

/** `advert_int` seconds (up to two decimals used) as centiseconds, 0.01-255 s. */
function centiseconds(t: Stmt): number {
  const v = arg(t, 1, 'the interval');
  const m = /^([0-9]+)(?:\.([0-9]{1,6}))?$/.exec(v);
  if (m === null) fail(t, `advert_int '${v}' is not a number of seconds`);
  const micros = Number(m[1]) * 1_000_000 + Number((m[2] ?? '').padEnd(6, '0'));
  if (micros < 10_000 || micros > 255_000_000) fail(t, `advert_int ${v} is not 0.01-255 seconds`);
  if (micros % 10_000 !== 0) fail(t, `advert_int ${v}: VRRP counts in hundredths of a second`);
  return micros / 10_000;
}

/** A group entry's addresses: `A`, `A-B` (last octet / last group), `A-FULL_END`, or `A/prefix`. */
function expandRange(s: Stmt, text: string): { ip: string; family: IpFamily }[] {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const base = address(s, text.slice(0, slash), 'virtual_server_group address');
    const bits = base.family === 'ipv6' ? 128 : 32;
    const len = Number(text.slice(slash + 1));
    if (!/^[0-9]+$/.test(text.slice(slash + 1)) || len < 1 || len > bits) fail(s, `'${text}': bad prefix length`);
    const n = base.family === 'ipv4' ? ipv4Number(base.ip) : 0;
    if (base.family === 'ipv6') fail(s, `'${text}': IPv6 prefixes in a virtual_server_group are not supported by lvs-pcap; list the addresses`);
    const size = 2 ** (32 - len);
    if (n % size !== 0) fail(s, `'${text}': host bits set below the prefix`);
    if (size > MAX_GROUP_ADDRESSES) fail(s, `'${text}': more than ${MAX_GROUP_ADDRESSES} addresses`);
    return Array.from({ length: size }, (_, i) => ({ ip: ipv4Text(n + i), family: 'ipv4' as const }));
  }
  const dash = text.indexOf('-');
  if (dash < 0) return [address(s, text, 'virtual_server_group address')];
  const start = address(s, text.slice(0, dash), 'virtual_server_group address');
  const endText = text.slice(dash + 1);
  if (start.family === 'ipv6') {
    const head = start.ip.slice(0, start.ip.lastIndexOf(':') + 1);
    const first = parseInt(start.ip.slice(start.ip.lastIndexOf(':') + 1) || '0', 16);
    const last = endText.includes(':') ? parseInt(address(s, endText, 'range end').ip.split(':').pop() || '0', 16) : parseInt(endText, 16);
    if (!/^[0-9a-f:]+$/i.test(endText) || !(last > first) || last > 0xffff) fail(s, `'${text}': the range end is not after its start`);
    if (last - first + 1 > MAX_GROUP_ADDRESSES) fail(s, `'${text}': more than ${MAX_GROUP_ADDRESSES} addresses`);
    return Array.from({ length: last - first + 1 }, (_, i) => address(s, `${head}${(first + i).toString(16)}`, 'range address'));
  }
  const n = ipv4Number(start.ip);
  const end = endText.includes('.') ? ipv4Number(address(s, endText, 'range end').ip) : n - (n % 256) + Number(endText);
  if (!endText.includes('.') && (!/^[0-9]+$/.test(endText) || Number(endText) > 255)) fail(s, `'${text}': the range end is not an octet`);
  if (end <= n) fail(s, `'${text}': the range end is not after its start`);
  if (end - n + 1 > MAX_GROUP_ADDRESSES) fail(s, `'${text}': more than ${MAX_GROUP_ADDRESSES} addresses`);
  return Array.from({ length: end - n + 1 }, (_, i) => ({ ip: ipv4Text(n + i), family: 'ipv4' as const }));
}

function ipv4Number(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
}

function ipv4Text(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function sameService(a: VirtualService, b: VirtualService): boolean {
  if (a.fwmark !== undefined || b.fwmark !== undefined) return a.fwmark === b.fwmark && (a.family ?? 'ipv4') === (b.family ?? 'ipv4');
  return a.vip === b.vip && a.port === b.port && a.proto === b.proto;
}

function describeService(s: VirtualService): string {
  if (s.fwmark !== undefined) return `fwmark ${s.fwmark}`;
  return `${s.vip}:${s.port ?? 0}/${s.proto}`;
}

/** Reads a keepalived.conf and the files it includes. Throws UsageError ("file:line: reason") on anything keepalived would reject. */
export function parseKeepalived(path: string): KeepalivedConfig {
  const p = new Parser(path);
  p.run(tree(readKeepalivedLines(path)));
  return { file: path, services: p.services, sorryServers: p.sorryServers, vrrpInstances: p.instances };
}

/** One director's keepalived.conf as a layer of the given topology. */
export function keepalivedTopology(c: KeepalivedConfig): GivenTopology {
  return {
    services: c.services,
    directorMacs: [],
    realServers: c.sorryServers.map((ip) => ({ ip })),
    sources: [`keepalived.conf (${c.file})`],
    vrrpInstances: c.vrrpInstances,
  };
}
