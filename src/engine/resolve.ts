/**
 * Resolves what the capture is about: the virtual services, the director(s) and the real
 * servers (given facts win; the rest is inferred from the director's copies, the layer-2 paths
 * and the address claims), and where each capture was taken. Run when the analysis settles
 * (so finished flows can be judged during the pass) and again at the end for the report.
 */
import { formatMac, parseMac } from '../decode/format.js';
import type { AddressBook } from './addresses.js';
import type { CopyEvidence } from './analyzer.js';
import type { ClaimLog } from './claims.js';
import { judgePath, type PathBook } from './paths.js';
import type { TopologyReport } from './result.js';
import type { GivenTopology } from './topology.js';
import type { VantageCounter } from './vantage.js';
import type { VantagePoint } from './views.js';

export interface Service {
  ip: number;
  /** -1: every port. */
  port: number;
  proto: number;
}

export interface RealServerInfo {
  ip?: number;
  source: 'given' | 'inferred';
  evidence?: string;
}

/** What resolve() reads: the analyzer's accumulated facts. */
export interface Facts {
  readonly given: GivenTopology;
  readonly book: AddressBook;
  readonly copies: readonly CopyEvidence[];
  readonly claims: ClaimLog;
  readonly paths: PathBook;
  readonly captures: readonly { readonly vantage: VantageCounter }[];
}

export class Resolution {
  readonly services: Service[] = [];
  readonly vipReport: TopologyReport['vips'] = [];
  readonly directors = new Map<number, TopologyReport['directors'][number]>();
  readonly realServers = new Map<number, RealServerInfo>();
  readonly notes: string[] = [];
  readonly vipIps = new Set<number>();
  realServersGiven = false;
  serviceCopies: CopyEvidence[] = [];
  vantagePoints: VantagePoint[] = [];
  /** MAC of the host each capture was taken on, -1 for a mirror or unknown. */
  hostMacs: number[] = [];
  /** Some capture shows the director's egress (a mirror port or the director itself). */
  forwardingVisible = false;
  /**
   * The VIPs were given, or director copies showed them: findings are stated with their full
   * severity. Otherwise (a topology guessed from asymmetric paths or claims alone) errors are
   * reported as warnings: lvs-pcap must not call traffic broken on a guess.
   */
  confident = false;

  isService(ip: number, port: number, proto: number): boolean {
    for (const s of this.services) if (s.ip === ip && s.proto === proto && (s.port < 0 || s.port === port)) return true;
    return false;
  }

  isDirector(mac: number): boolean {
    return this.directors.has(mac);
  }

  isRealServer(mac: number): boolean {
    return this.realServers.has(mac);
  }
}

export function resolve(facts: Facts): Resolution {
  const r = new Resolution();
  const { given, book, copies, claims } = facts;
  const paths = [...facts.paths.paths.values()].filter((p) => !book.isGroupOrUnspecified(p.ip));
  const addService = (s: Service, report: TopologyReport['vips'][number]): void => {
    r.services.push(s);
    r.vipReport.push(report);
  };

  // ---- services ----
  for (const s of given.services) {
    if (s.vip === '') continue;
    addService(
      { ip: book.intern(s.vip), port: s.port ?? -1, proto: s.proto === 'udp' ? 17 : 6 },
      { ip: s.vip, ...(s.port !== undefined ? { port: s.port } : {}), proto: s.proto, source: 'given' },
    );
  }
  if (r.services.length === 0) {
    const seen = new Map<string, { s: Service; n: number }>();
    for (const c of copies) {
      const k = `${c.vip}|${c.port}|${c.proto}`;
      const e = seen.get(k) ?? { s: { ip: c.vip, port: c.port, proto: c.proto }, n: 0 };
      e.n += c.count;
      seen.set(k, e);
    }
    for (const { s, n } of seen.values()) {
      addService(s, {
        ip: book.format(s.ip),
        port: s.port,
        proto: s.proto === 17 ? 'udp' : 'tcp',
        source: 'inferred',
        evidence: `${n} client packet${n === 1 ? '' : 's'} re-sent by the director with only the Ethernet header changed`,
      });
    }
  }
  const verdicts = new Map(paths.map((p) => [p, judgePath(p)]));
  if (r.services.length === 0) {
    // No copies (a client-, RS- or cooked capture, or clients that all bypass the director):
    // the asymmetric layer-2 path of DR still shows.
    for (const p of paths) {
      const v = verdicts.get(p)!;
      if (!v.asymmetric) continue;
      addService({ ip: p.ip, port: p.port, proto: p.proto }, { ip: book.format(p.ip), port: p.port, proto: p.proto === 17 ? 'udp' : 'tcp', source: 'inferred', evidence: v.why });
    }
  } else if (given.services.length === 0 && copies.length > 0) {
    // Another port of an inferred VIP whose traffic reaches the same real servers is a service
    // too, even if no copy of it was seen (its clients may all bypass the director).
    const vipSet = new Set(r.services.map((s) => s.ip));
    const rsFromCopies = new Set(copies.map((c) => c.rsMac));
    for (const p of paths) {
      if (!vipSet.has(p.ip) || r.services.some((s) => s.ip === p.ip && s.port === p.port && s.proto === p.proto)) continue;
      if (![...p.sentTo, ...p.answering].some((m) => rsFromCopies.has(m))) continue;
      addService(
        { ip: p.ip, port: p.port, proto: p.proto },
        { ip: book.format(p.ip), port: p.port, proto: p.proto === 17 ? 'udp' : 'tcp', source: 'inferred', evidence: 'traffic to the VIP handled by the real servers' },
      );
    }
  }
  for (const s of r.services) r.vipIps.add(s.ip);
  r.serviceCopies = copies.filter((c) => r.isService(c.vip, c.port, c.proto));
  r.confident = given.services.length > 0 || r.serviceCopies.length > 0;
  const servicePaths = paths.filter((p) => r.isService(p.ip, p.port, p.proto));

  // ---- directors ----
  for (const m of given.directorMacs) {
    const n = parseMac(m);
    if (n !== undefined) r.directors.set(n, { mac: formatMac(n), source: 'given' });
  }
  const givenRsMacs = new Set(given.realServers.flatMap((x) => (x.mac !== undefined ? [parseMac(x.mac) ?? -1] : [])));
  if (r.directors.size === 0) {
    const counts = new Map<number, number>();
    for (const c of r.serviceCopies) if (c.directorMac >= 0) counts.set(c.directorMac, (counts.get(c.directorMac) ?? 0) + c.count);
    for (const [mac, n] of counts) {
      r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: `${n} forwarded cop${n === 1 ? 'y' : 'ies'} sent` });
    }
  }
  if (r.directors.size === 0) {
    for (const p of servicePaths) {
      for (const mac of verdicts.get(p)!.directorCandidates) {
        if (givenRsMacs.has(mac)) continue;
        r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'clients send to it, it never answers (asymmetric path)' });
      }
    }
  }
  if (r.directors.size === 0) {
    // Nothing else to learn from: the MAC that claims the VIP is the director's, if only one does.
    for (const ip of r.vipIps) {
      const c = claims.byIp.get(ip);
      if (c && c.claimants.size === 1) {
        const [mac] = c.claimants.keys();
        if (mac !== undefined) r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'the only MAC that claimed the VIP (ARP/ND)' });
      }
    }
  }
  for (const d of r.directors.values()) {
    const mac = parseMac(d.mac);
    const ips = mac !== undefined ? (claims.firstIpOfMac.get(mac) ?? []).filter((ip) => !r.vipIps.has(ip)) : [];
    if (ips[0] !== undefined) d.ip = book.format(ips[0]);
  }

  // ---- real servers ----
  r.realServersGiven = given.realServers.length > 0;
  for (const x of given.realServers) {
    const mac = x.mac !== undefined ? parseMac(x.mac) : undefined;
    const ip = x.ip !== undefined ? book.intern(x.ip) : undefined;
    if (mac !== undefined) {
      r.realServers.set(mac, { ...(ip !== undefined ? { ip } : {}), source: 'given' });
      continue;
    }
    if (ip === undefined) continue;
    const claimed = claims.byIp.get(ip);
    const fromClaims = claimed ? [...claimed.claimants.keys()][0] : undefined;
    const fromCopy = r.serviceCopies.find((c) => c.rsIp === ip)?.rsMac;
    const resolved = fromClaims ?? fromCopy;
    if (resolved !== undefined && resolved >= 0) r.realServers.set(resolved, { ip, source: 'given', evidence: 'MAC from ARP' });
    else r.notes.push(`real server ${book.format(ip)} was given but never identified by MAC in the capture (no ARP for it)`);
  }
  if (!r.realServersGiven) {
    for (const c of r.serviceCopies) {
      if (c.rsMac >= 0 && !r.realServers.has(c.rsMac)) r.realServers.set(c.rsMac, { source: 'inferred', evidence: "receives the director's copies" });
    }
    if (r.serviceCopies.length === 0) {
      for (const p of servicePaths) {
        for (const mac of p.answering) {
          if (!r.directors.has(mac) && !r.realServers.has(mac)) r.realServers.set(mac, { source: 'inferred', evidence: 'answers as the VIP' });
        }
      }
    }
  }
  for (const [mac, rs] of r.realServers) {
    if (rs.ip !== undefined) continue;
    const fromCopy = r.serviceCopies.find((c) => c.rsMac === mac && c.rsIp >= 0);
    if (fromCopy) rs.ip = fromCopy.rsIp;
    else {
      const ips = (claims.firstIpOfMac.get(mac) ?? []).filter((ip) => !r.vipIps.has(ip));
      if (ips[0] !== undefined) rs.ip = ips[0];
    }
  }

  // ---- vantage points ----
  const clientMacs = new Set<number>();
  for (const p of servicePaths) for (const m of p.clientSenders) if (!r.isDirector(m)) clientMacs.add(m);
  r.vantagePoints = facts.captures.map((c) => {
    const v = c.vantage.resolve();
    const hostMac = v.hostMac >= 0 ? formatMac(v.hostMac) : undefined;
    let hostRole: VantagePoint['hostRole'];
    if (v.hostMac >= 0) {
      if (r.isDirector(v.hostMac)) hostRole = 'director';
      else if (r.isRealServer(v.hostMac)) hostRole = 'rs';
      else if (clientMacs.has(v.hostMac)) hostRole = 'client';
      else hostRole = 'other';
    }
    const role = hostRole ? ` (${hostRole === 'rs' ? 'real server' : hostRole})` : '';
    const description =
      v.kind === 'mirror'
        ? 'mirror port (frames between many hosts)'
        : v.kind === 'unknown'
          ? 'unknown (too few unicast frames to tell)'
          : `${v.kind === 'cooked-host' ? 'cooked capture on' : 'port of'} ${hostMac ?? 'an unknown host'}${role}`;
    return { kind: v.kind, hostMac, hostRole, description };
  });
  r.hostMacs = r.vantagePoints.map((v) => (v.hostMac !== undefined ? (parseMac(v.hostMac) ?? -1) : -1));
  r.forwardingVisible = r.vantagePoints.some((v) => v.kind === 'mirror' || v.hostRole === 'director');
  return r;
}
