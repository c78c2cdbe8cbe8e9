/**
 * The topology the user gives us: parsers for the check command's flags (--vip, --director-mac,
 * --rs) and the merge of flags, ipvsadm output and config file into one GivenTopology
 * (build.ts reads the two files: they read their values with the parsers here).
 * Every parser either returns canonical data or throws a UsageError whose one-line message names
 * the flag, the bad value and why it is bad.
 */

import { formatIpv4, formatIpv6, formatMac, parseIpv4, parseIpv6, parseMac } from '../decode/format.js';
import type { ConfiguredRealServer, GivenTopology, L4Proto, RealServer, VirtualService } from './topology.js';
import { UsageError } from './usage-error.js';

export type IpFamily = 'ipv4' | 'ipv6';

/** Outcome of checking one address: canonical text, or the reason it is not acceptable. */
export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

function fail<T>(reason: string): Checked<T> {
  return { ok: false, reason };
}

/** Canonical IPv4 or IPv6 text (no brackets, no port) for `s`, or why it is not an address. */
export function checkIp(s: string): Checked<{ ip: string; family: IpFamily }> {
  if (s.includes(':')) {
    const bytes = parseIpv6(s);
    if (bytes === undefined) return fail('not an IPv6 address');
    return { ok: true, value: { ip: formatIpv6(bytes), family: 'ipv6' } };
  }
  if (/^[0-9.]+$/.test(s)) {
    const n = parseIpv4(s);
    if (n === undefined) return fail(ipv4Problem(s));
    return { ok: true, value: { ip: formatIpv4(n), family: 'ipv4' } };
  }
  if (s === '') return fail('empty address');
  if (/[a-z]/i.test(s) && /^[a-z0-9.-]+$/i.test(s)) {
    return fail('not an IP address (host names are not resolved; give the address)');
  }
  return fail('not an IP address');
}

/** Says which part of a would-be dotted quad is wrong, so the user need not guess. */
function ipv4Problem(s: string): string {
  const parts = s.split('.');
  if (parts.length !== 4) return `not an IPv4 address (${parts.length} parts, need 4)`;
  for (const p of parts) {
    if (p === '') return 'not an IPv4 address (empty octet)';
    if (Number(p) > 255) return `not an IPv4 address (octet ${p} > 255)`;
    if (p.length > 1 && p.startsWith('0')) {
      return `not an IPv4 address (octet ${p} has a leading zero, which inet_aton reads as octal)`;
    }
  }
  return 'not an IPv4 address';
}

/** Canonical lower-case colon MAC for a NIC's address, or why `s` cannot be one. */
export function checkMac(s: string): Checked<string> {
  const n = parseMac(s);
  if (n === undefined) return fail('not a MAC address (want six hex bytes, like 00:0c:29:50:d5:63)');
  // A NIC never sends from a group or all-zero address, so such a value is a typo or a copy of
  // the wrong column (often the broadcast destination of an ARP request).
  if (n === 0) return fail('the all-zero MAC is not a NIC address');
  if (Math.floor(n / 0x10000000000) & 1) return fail('a multicast/broadcast MAC, not a NIC address');
  return { ok: true, value: formatMac(n) };
}

/** A port as ipvsadm and the config file use it, from its decimal text. */
export function checkPort(s: string): Checked<number> {
  if (!/^[0-9]{1,5}$/.test(s)) return fail(`'${s}' is not a port (1-65535)`);
  const n = Number(s);
  if (n < 1 || n > 65535) return fail(`${s} is not a port (1-65535)`);
  return { ok: true, value: n };
}

/** Host part and optional port of "a.b.c.d", "a.b.c.d:p", "[v6]", "[v6]:p" or bare "v6". */
export function splitHostPort(s: string): Checked<{ host: string; port?: string; bracketed: boolean }> {
  if (s.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
    if (m === null) return fail('unbalanced brackets (write [2001:db8::1]:80)');
    const port = m[2];
    return { ok: true, value: port === undefined ? { host: m[1]!, bracketed: true } : { host: m[1]!, port, bracketed: true } };
  }
  const colons = s.split(':').length - 1;
  // Two or more colons can only be an IPv6 address, which then cannot carry a port unbracketed.
  if (colons !== 1) return { ok: true, value: { host: s, bracketed: false } };
  const i = s.indexOf(':');
  return { ok: true, value: { host: s.slice(0, i), port: s.slice(i + 1), bracketed: false } };
}

function reject(label: string, value: string, reason: string): never {
  throw new UsageError(`${label} ${value}: ${reason}`);
}

/**
 * One --vip value: "192.168.188.120:80", "192.168.188.120" (every port), "...:53/udp",
 * "[2001:db8::120]:80", "[2001:db8::120]", "2001:db8::120" (every port). Protocol defaults to tcp.
 */
export function parseVipSpec(s: string, label = '--vip'): VirtualService {
  let rest = s.trim();
  let proto: L4Proto = 'tcp';
  const pm = /\/([^/]*)$/.exec(rest);
  if (pm !== null) {
    const p = pm[1]!.toLowerCase();
    if (/^[0-9]+$/.test(p)) reject(label, s, 'a VIP is one address, not a prefix');
    if (p !== 'tcp' && p !== 'udp') reject(label, s, `unknown protocol '${pm[1]!}' (tcp or udp)`);
    proto = p;
    rest = rest.slice(0, pm.index);
  }
  const hp = splitHostPort(rest);
  if (!hp.ok) reject(label, s, hp.reason);
  const { host, port, bracketed } = hp.value;
  const ip = checkIp(host);
  if (!ip.ok) reject(label, s, ip.reason);
  if (bracketed && ip.value.family === 'ipv4') reject(label, s, 'brackets are for IPv6 addresses only');
  const svc: VirtualService = { vip: ip.value.ip, proto };
  if (port !== undefined) {
    const p = checkPort(port);
    if (!p.ok) reject(label, s, p.reason);
    svc.port = p.value;
  }
  return svc;
}

/** One --director-mac value ("00:0c:29:50:d5:63", "00-0C-29-50-D5-63") to canonical form. */
export function parseMacSpec(s: string, label = '--director-mac'): string {
  const m = checkMac(s.trim());
  if (!m.ok) reject(label, s, m.reason);
  return m.value;
}

function looksLikeMac(s: string): boolean {
  return /^[0-9a-f]{1,2}([:-][0-9a-f]{1,2}){5}$/i.test(s) || /^[0-9a-f]+(-[0-9a-f]+)+$/i.test(s);
}

/** One part of an --rs value: an IP (optionally bracketed) or a MAC. */
function rsPart(part: string, label: string, whole: string): RealServer {
  if (part === '') reject(label, whole, 'empty address');
  if (looksLikeMac(part)) {
    const m = checkMac(part);
    if (!m.ok) reject(label, whole, m.reason);
    return { mac: m.value };
  }
  let host = part;
  if (part.startsWith('[')) {
    if (!part.endsWith(']')) reject(label, whole, 'a real server is an address without a port');
    host = part.slice(1, -1);
  } else if (/^[0-9.]+:[0-9]+$/.test(part)) {
    reject(label, whole, 'a real server is an address without a port');
  }
  const ip = checkIp(host);
  if (!ip.ok) reject(label, whole, `${ip.reason}, nor a MAC address`);
  return { ip: ip.value.ip };
}

/** One --rs value: "192.168.188.107", "00:0c:29:e4:4d:1f", "ip=mac" or "mac=ip" (IPv6 too). */
export function parseRsSpec(s: string, label = '--rs'): RealServer {
  const t = s.trim();
  const parts = t.split('=');
  if (parts.length > 2) reject(label, s, 'at most one "=" (ip=mac)');
  if (parts.length === 1) return rsPart(t, label, s);
  const a = rsPart(parts[0]!.trim(), label, s);
  const b = rsPart(parts[1]!.trim(), label, s);
  if (a.ip !== undefined && b.ip !== undefined) reject(label, s, 'two IP addresses; want ip=mac');
  if (a.mac !== undefined && b.mac !== undefined) reject(label, s, 'two MAC addresses; want ip=mac');
  return { ip: (a.ip ?? b.ip)!, mac: (a.mac ?? b.mac)! };
}

export interface SourceText {
  text: string;
  /** File name as the user gave it, used in messages and in `sources`. */
  source: string;
}

export interface GivenInputs {
  vips?: readonly string[];
  directorMacs?: readonly string[];
  rs?: readonly string[];
  ipvsadm?: SourceText;
  config?: SourceText;
  /** keepalived.conf paths (--keepalived, one per director): read with their includes. */
  keepalived?: readonly string[];
}

/** Identity of a service across sources: same key = same service, whose fields are merged. */
export function serviceKey(s: VirtualService): string {
  if (s.fwmark !== undefined) return `fwm/${s.family ?? 'ipv4'}/${s.fwmark}`;
  return `${s.proto}/${s.vip}/${s.port ?? '*'}`;
}

function rsKey(r: ConfiguredRealServer): string {
  return `${r.ip}/${r.port ?? '*'}`;
}

/** Fills the fields `into` lacks from `from`: callers merge higher-precedence sources first. */
function fillService(into: VirtualService, from: VirtualService): void {
  if (into.scheduler === undefined && from.scheduler !== undefined) into.scheduler = from.scheduler;
  if (into.persistence === undefined && from.persistence !== undefined) into.persistence = from.persistence;
  if (into.persistenceMask === undefined && from.persistenceMask !== undefined) into.persistenceMask = from.persistenceMask;
  if (from.realServers === undefined) return;
  const list = (into.realServers ??= []);
  for (const r of from.realServers) {
    const have = list.find((x) => rsKey(x) === rsKey(r));
    if (have === undefined) {
      list.push({ ...r });
      continue;
    }
    if (have.weight === undefined && r.weight !== undefined) have.weight = r.weight;
    if (have.forward === undefined && r.forward !== undefined) have.forward = r.forward;
  }
}

/**
 * Adds one real server to `list`, where earlier entries came from higher-precedence sources: an
 * IP keeps the MAC it already has; a MAC-only entry is completed by a later IP for that MAC.
 * One MAC may carry several IPs (an RS's IPv4 and IPv6 addresses share a NIC), so MACs are not
 * treated as unique.
 */
function addRealServer(list: RealServer[], r: RealServer): void {
  if (r.ip !== undefined) {
    const have = list.find((x) => x.ip === r.ip);
    if (have !== undefined) {
      if (have.mac === undefined && r.mac !== undefined) have.mac = r.mac;
      return;
    }
    const macOnly = r.mac === undefined ? undefined : list.find((x) => x.ip === undefined && x.mac === r.mac);
    if (macOnly !== undefined) {
      macOnly.ip = r.ip;
      return;
    }
    list.push(r.mac === undefined ? { ip: r.ip } : { ip: r.ip, mac: r.mac });
    return;
  }
  if (r.mac !== undefined && !list.some((x) => x.mac === r.mac)) list.push({ mac: r.mac });
}

/** The flags' layer of the given topology, parsed before the files (a bad flag is the error shown). */
export function givenByFlags(inputs: GivenInputs): GivenTopology {
  const flags: GivenTopology = { services: [], directorMacs: [], realServers: [], sources: [] };
  for (const v of inputs.vips ?? []) flags.services.push({ ...parseVipSpec(v), asserted: true });
  for (const m of inputs.directorMacs ?? []) flags.directorMacs.push(parseMacSpec(m));
  for (const r of inputs.rs ?? []) flags.realServers.push(parseRsSpec(r));
  if ((inputs.vips ?? []).length > 0) flags.sources.push('--vip');
  if ((inputs.directorMacs ?? []).length > 0) flags.sources.push('--director-mac');
  if ((inputs.rs ?? []).length > 0) flags.sources.push('--rs');
  return flags;
}

/**
 * Merges flags, config file, keepalived.conf files and ipvsadm output into one topology.
 * Precedence when they disagree: flags, then the config file, then keepalived.conf (in the order
 * given), then ipvsadm output (the more deliberately the user stated a fact, the more it counts). Services with the same VIP, port and protocol (or fwmark) are one service;
 * a VIP given without a port stays a separate every-port service. The IPs of every service's
 * real servers are also listed in `realServers`, so the analysis has one list of known RSs.
 */
export function mergeGiven(layers: readonly GivenTopology[]): GivenTopology {
  const out: GivenTopology = { services: [], directorMacs: [], realServers: [], sources: [] };
  const byKey = new Map<string, VirtualService>();
  for (const layer of layers) {
    for (const s of layer.services) {
      const have = byKey.get(serviceKey(s));
      if (have === undefined) {
        const copy: VirtualService = { ...s };
        delete copy.realServers;
        fillService(copy, s);
        byKey.set(serviceKey(s), copy);
        out.services.push(copy);
      } else {
        fillService(have, s);
      }
    }
    for (const m of layer.directorMacs) if (!out.directorMacs.includes(m)) out.directorMacs.push(m);
    for (const r of layer.realServers) addRealServer(out.realServers, r);
    out.sources.push(...layer.sources);
    if (layer.vrrpInstances !== undefined) (out.vrrpInstances ??= []).push(...layer.vrrpInstances);
  }
  for (const s of out.services) for (const r of s.realServers ?? []) addRealServer(out.realServers, { ip: r.ip });
  return out;
}
