/**
 * The topology file (`--config lvs.yaml`), JSON or YAML, and its writer (`lvs-pcap topology`).
 * Validation is strict and names the path of the bad value, because a silently ignored typo
 * ("prot: udp") would make the check verify a different setup than the user meant.
 */

import { Document, isMap, isSeq, parseDocument } from 'yaml';
import { visible } from '../decode/format.js';
import { checkIp, checkMac, parseRsSpec, parseVipSpec, serviceKey, splitHostPort, type IpFamily } from './given.js';
import type { ConfiguredRealServer, ForwardMethod, GivenTopology, L4Proto, RealServer, VirtualService } from './topology.js';
import { UsageError } from './usage-error.js';

const TOP_KEYS = ['services', 'directorMacs', 'realServers'] as const;
const SERVICE_KEYS = ['vip', 'fwmark', 'family', 'port', 'proto', 'scheduler', 'persistence', 'persistenceMask', 'realServers'] as const;
const SERVICE_RS_KEYS = ['ip', 'port', 'weight', 'forward'] as const;
const RS_KEYS = ['ip', 'mac'] as const;
const FORWARDS: readonly ForwardMethod[] = ['route', 'masq', 'tunnel', 'local'];
const MAX_WEIGHT = 2147483647;

type Obj = Record<string, unknown>;

/** Aliases a YAML topology may use: a real one needs a few; a document of nested ones can expand to gigabytes. */
const MAX_ALIAS_COUNT = 100;

/** Reads JSON (when the text parses as JSON) or YAML into plain data, with one-line errors. */
function load(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (jsonError) {
    const doc = parseDocument(text);
    const err = doc.errors[0];
    if (err === undefined) {
      try {
        return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
      } catch (e) {
        // The yaml library refuses aliases that would expand past maxAliasCount ("billion laughs").
        throw new UsageError(`${file}: not valid YAML: ${e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e)}`);
      }
    }
    // Text that opens like JSON was most likely meant as JSON: its error is the useful one.
    if (/^\s*[{[]/.test(text) && jsonError instanceof Error) {
      throw new UsageError(`${file}: not valid JSON: ${jsonError.message}`);
    }
    const where = err.linePos === undefined ? '' : `:${err.linePos[0].line}:${err.linePos[0].col}`;
    const what =
      err.code === 'MULTIPLE_DOCS'
        ? 'more than one YAML document (---); put everything in one'
        : (err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new UsageError(`${file}${where}: not valid YAML: ${what}`);
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') {
    // One line, however much text a file that is no topology holds.
    const first = v.split('\n')[0] ?? '';
    return `the string '${first.length > 40 || first.length < v.length ? `${first.slice(0, 40)}…` : first}'`;
  }
  return `${typeof v} ${String(v)}`;
}

/** Path-aware validation: every failure names the file and the path of the bad value. */
class Check {
  constructor(private readonly file: string) {}

  /** Prefix for the flag-syntax parsers, whose messages read "<label> <value>: <reason>". */
  label(path: string): string {
    return `${this.file}: ${path}:`;
  }

  fail(path: string, msg: string): never {
    throw new UsageError(path === '' ? `${this.file}: ${msg}` : `${this.file}: ${path}: ${msg}`);
  }

  object(v: unknown, path: string, known: readonly string[]): Obj {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.fail(path, `expected a mapping (${known.join(', ')}), got ${describe(v)}`);
    }
    const o = v as Obj;
    for (const k of Object.keys(o)) {
      if (!known.includes(k)) this.fail(path, `unknown key '${k}' (known: ${known.join(', ')})`);
    }
    return o;
  }

  list(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, `expected a list, got ${describe(v)}`);
    return v;
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string') this.fail(path, `expected a string, got ${describe(v)}`);
    return v;
  }

  integer(v: unknown, path: string, min: number, max: number, what: string): number {
    if (typeof v !== 'number') this.fail(path, `expected a number, got ${describe(v)}`);
    if (!Number.isInteger(v) || v < min || v > max) this.fail(path, `${v} is not ${what} (${min}-${max})`);
    return v;
  }

  port(v: unknown, path: string): number {
    return this.integer(v, path, 1, 65535, 'a port');
  }

  /** An address, bracketed or not (people copy "[2001:db8::120]" from ipvsadm), without a port. */
  ip(v: unknown, path: string): { ip: string; family: IpFamily } {
    if (Array.isArray(v)) {
      this.fail(path, `expected an address, got a list (quote a bracketed IPv6 address: "[2001:db8::120]")`);
    }
    const s = this.string(v, path).trim();
    const hp = splitHostPort(s);
    if (!hp.ok) this.fail(path, `${s}: ${hp.reason}`);
    if (hp.value.port !== undefined) this.fail(path, `${s}: give the address alone, the port in 'port'`);
    const ip = checkIp(hp.value.host);
    if (!ip.ok) this.fail(path, `${s}: ${ip.reason}`);
    return ip.value;
  }

  mac(v: unknown, path: string): string {
    const s = this.string(v, path).trim();
    const m = checkMac(s);
    if (!m.ok) this.fail(path, `${s}: ${m.reason}`);
    return m.value;
  }
}

function parseMask(c: Check, v: unknown, path: string, family: IpFamily): string {
  if (family === 'ipv6') {
    const n = typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v;
    return String(c.integer(n, path, 1, 128, 'an IPv6 prefix length'));
  }
  const s = c.string(v, path);
  const ip = checkIp(s.trim());
  if (!ip.ok || ip.value.family !== 'ipv4') c.fail(path, `${s}: not a dotted-quad netmask`);
  return ip.value.ip;
}

function parseServiceRs(c: Check, v: unknown, path: string): ConfiguredRealServer {
  const o = c.object(v, path, SERVICE_RS_KEYS);
  if (o.ip === undefined) c.fail(path, "missing 'ip'");
  const rs: ConfiguredRealServer = { ip: c.ip(o.ip, `${path}.ip`).ip };
  if (o.port !== undefined) rs.port = c.port(o.port, `${path}.port`);
  if (o.weight !== undefined) rs.weight = c.integer(o.weight, `${path}.weight`, 0, MAX_WEIGHT, 'a weight');
  if (o.forward !== undefined) {
    const f = c.string(o.forward, `${path}.forward`);
    if (!(FORWARDS as readonly string[]).includes(f)) {
      c.fail(`${path}.forward`, `'${f}' is not a forwarding method (${FORWARDS.join(', ')})`);
    }
    rs.forward = f as ForwardMethod;
  }
  return rs;
}

function parseService(c: Check, v: unknown, path: string): VirtualService {
  // A bare string is the --vip syntax, so a list of VIPs can be written as briefly as on the command line.
  if (typeof v === 'string') return parseVipSpec(v, c.label(path));
  const o = c.object(v, path, SERVICE_KEYS);
  let svc: VirtualService;
  let family: IpFamily;
  if (o.fwmark !== undefined) {
    for (const k of ['vip', 'port', 'proto'] as const) {
      if (o[k] !== undefined) c.fail(`${path}.${k}`, `does not apply to an fwmark service (the mark selects the packets)`);
    }
    const mark = c.integer(o.fwmark, `${path}.fwmark`, 1, 0xffffffff, 'a firewall mark');
    family = 'ipv4';
    if (o.family !== undefined) {
      const f = c.string(o.family, `${path}.family`);
      if (f !== 'ipv4' && f !== 'ipv6') c.fail(`${path}.family`, `'${f}' is not an address family (ipv4, ipv6)`);
      family = f;
    }
    svc = { vip: '', proto: 'tcp', fwmark: mark, family };
  } else {
    if (o.vip === undefined) c.fail(path, "needs 'vip' or 'fwmark'");
    if (o.family !== undefined) c.fail(`${path}.family`, 'applies to fwmark services only (a VIP has its own family)');
    const ip = c.ip(o.vip, `${path}.vip`);
    family = ip.family;
    let proto: L4Proto = 'tcp';
    if (o.proto !== undefined) {
      const p = c.string(o.proto, `${path}.proto`).toLowerCase();
      if (p !== 'tcp' && p !== 'udp') c.fail(`${path}.proto`, `'${String(o.proto)}' is not a protocol (tcp, udp)`);
      proto = p;
    }
    svc = { vip: ip.ip, proto };
    if (o.port !== undefined) svc.port = c.port(o.port, `${path}.port`);
  }
  if (o.scheduler !== undefined) {
    const s = c.string(o.scheduler, `${path}.scheduler`);
    if (!/^[a-z][a-z0-9_-]*$/.test(s)) c.fail(`${path}.scheduler`, `'${s}' is not a scheduler name (rr, wrr, lc, wlc, sh, ...)`);
    svc.scheduler = s;
  }
  if (o.persistence !== undefined) {
    svc.persistence = c.integer(o.persistence, `${path}.persistence`, 1, 0xffffffff, 'a timeout in seconds');
  }
  if (o.persistenceMask !== undefined) {
    if (o.persistence === undefined) c.fail(`${path}.persistenceMask`, "needs 'persistence' (ipvsadm -M needs -p)");
    svc.persistenceMask = parseMask(c, o.persistenceMask, `${path}.persistenceMask`, family);
  }
  if (o.realServers !== undefined) {
    svc.realServers = c.list(o.realServers, `${path}.realServers`).map((r, i) => parseServiceRs(c, r, `${path}.realServers[${i}]`));
  }
  return svc;
}

function parseRealServer(c: Check, v: unknown, path: string): RealServer {
  if (typeof v === 'string') return parseRsSpec(v, c.label(path));
  const o = c.object(v, path, RS_KEYS);
  if (o.ip === undefined && o.mac === undefined) c.fail(path, "needs 'ip', 'mac' or both");
  const rs: RealServer = {};
  if (o.ip !== undefined) rs.ip = c.ip(o.ip, `${path}.ip`).ip;
  if (o.mac !== undefined) rs.mac = c.mac(o.mac, `${path}.mac`);
  return rs;
}

/**
 * Parses a topology file. `sourceName` is the file name as given (it prefixes every message and
 * becomes the source "config <name>"). Throws UsageError on anything it does not understand.
 */
export function parseConfig(text: string, sourceName: string): GivenTopology {
  const c = new Check(sourceName);
  const data = load(text, sourceName);
  if (data === null || data === undefined) c.fail('', `empty (expected a mapping with ${TOP_KEYS.join(', ')})`);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    // Not a topology at all (another file given by mistake): say where its content starts.
    const line = text.split('\n').findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#')) + 1;
    throw new UsageError(`${sourceName}:${Math.max(1, line)}: expected a mapping with ${TOP_KEYS.join(', ')} (YAML or JSON, as lvs-pcap topology writes), got ${describe(data)}`);
  }
  const top = c.object(data, '', TOP_KEYS);
  const t: GivenTopology = { services: [], directorMacs: [], realServers: [], sources: [`config ${sourceName}`] };
  const seen = new Map<string, number>();
  if (top.services !== undefined) {
    c.list(top.services, 'services').forEach((v, i) => {
      const path = `services[${i}]`;
      const svc = parseService(c, v, path);
      const first = seen.get(serviceKey(svc));
      if (first !== undefined) c.fail(path, `the same service as services[${first}]`);
      seen.set(serviceKey(svc), i);
      t.services.push(svc);
    });
  }
  if (top.directorMacs !== undefined) {
    c.list(top.directorMacs, 'directorMacs').forEach((v, i) => {
      const mac = c.mac(v, `directorMacs[${i}]`);
      if (!t.directorMacs.includes(mac)) t.directorMacs.push(mac);
    });
  }
  if (top.realServers !== undefined) {
    c.list(top.realServers, 'realServers').forEach((v, i) => {
      const path = `realServers[${i}]`;
      const rs = parseRealServer(c, v, path);
      if (rs.ip !== undefined) {
        const dup = t.realServers.findIndex((x) => x.ip === rs.ip);
        if (dup >= 0) c.fail(path, `${rs.ip} is already realServers[${dup}]`);
      }
      t.realServers.push(rs);
    });
  }
  return t;
}

/** Plain data in the config schema's key order, without the fields parseConfig would default. */
function serviceToData(s: VirtualService): Obj {
  const o: Obj = {};
  if (s.fwmark !== undefined) {
    o.fwmark = s.fwmark;
    o.family = s.family ?? 'ipv4';
  } else {
    o.vip = s.vip;
    if (s.port !== undefined) o.port = s.port;
    o.proto = s.proto;
  }
  if (s.scheduler !== undefined) o.scheduler = s.scheduler;
  if (s.persistence !== undefined) o.persistence = s.persistence;
  if (s.persistenceMask !== undefined) {
    o.persistenceMask = /^[0-9]+$/.test(s.persistenceMask) ? Number(s.persistenceMask) : s.persistenceMask;
  }
  if (s.realServers !== undefined) {
    o.realServers = s.realServers.map((r) => {
      const ro: Obj = { ip: r.ip };
      if (r.port !== undefined) ro.port = r.port;
      if (r.weight !== undefined) ro.weight = r.weight;
      if (r.forward !== undefined) ro.forward = r.forward;
      return ro;
    });
  }
  return o;
}

/**
 * YAML for `lvs-pcap topology`, which parseConfig reads back to the same services, director MACs
 * and real servers (`sources` is not part of the file). Real servers are written one per line in
 * flow style, as people write them by hand.
 */
export function topologyToConfig(t: GivenTopology): string {
  const data = {
    services: t.services.map(serviceToData),
    directorMacs: [...t.directorMacs],
    realServers: t.realServers.map((r) => {
      const o: Obj = {};
      if (r.ip !== undefined) o.ip = r.ip;
      if (r.mac !== undefined) o.mac = r.mac;
      return o;
    }),
  };
  const doc = new Document(data);
  const flowItems = (node: unknown): void => {
    if (!isSeq(node)) return;
    for (const item of node.items) if (isMap(item)) item.flow = true;
  };
  const services = doc.get('services');
  if (isSeq(services)) for (const s of services.items) if (isMap(s)) flowItems(s.get('realServers'));
  flowItems(doc.get('realServers'));
  const macs = doc.get('directorMacs');
  if (isSeq(macs)) macs.flow = true;
  // The sources name files: a control character in one must not reach the reader of the file raw.
  const header = t.sources.length > 0 ? ` lvs-pcap topology (from ${visible(t.sources.join(', '))})` : ' lvs-pcap topology';
  doc.commentBefore = header;
  return doc.toString({ lineWidth: 0 });
}
