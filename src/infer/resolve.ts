/**
 * Resolves what the capture is about: the virtual services, the director(s) and the real
 * servers, and where each capture was taken. Given facts win; the rest is inferred from
 * behaviour, strongest evidence first:
 *
 * - director copies (a client packet re-sent with only the Ethernet header changed);
 * - a shared address: an IP that several MACs claim in ARP/ND while one of them serves
 *   connections from it (the VIP of a DR setup whose real servers answer ARP for it);
 * - the asymmetric layer-2 path of DR (clients send to a MAC that never answers, replies come
 *   from other MACs);
 * - re-sent to a non-owner: packets for an address arrive, re-sent by another host, at a host
 *   that owns another address and never claims this one (a real server's port, or `-i any`
 *   on it: the VIP sits on its lo);
 * - failing all that, the conversations themselves: every server address clients talk to is a
 *   candidate (a client-side capture of routed clients shows nothing of DR).
 *
 * Run when the analysis settles (so finished flows can be judged during the pass) and again at
 * the end for the report.
 */
import { formatMac, parseMac } from '../decode/format.js';
import type { AddressBook } from '../track/addresses.js';
import type { CopyEvidence } from '../track/copy-matcher.js';
import type { ClaimLog } from '../track/claims.js';
import { judgePath, type Layer2Path, type PathBook } from './paths.js';
import type { TopologyReport } from '../result/result.js';
import type { GivenTopology } from '../topology/topology.js';
import type { VantageCounter } from './vantage.js';
import type { VantagePoint } from '../result/views.js';

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

/** How the services were found, strongest first; `candidate` is the conversations alone. */
export type ServiceEvidence = 'given' | 'copies' | 'shared-address' | 'asymmetric-path' | 'resent-to-non-owner' | 'candidate';

/** What resolve() reads: the analyzer's accumulated facts. */
export interface Facts {
  readonly given: GivenTopology;
  readonly book: AddressBook;
  readonly copies: readonly CopyEvidence[];
  readonly claims: ClaimLog;
  readonly paths: PathBook;
  readonly captures: readonly { readonly vantage: VantageCounter }[];
  /** Given RS IPs (without MAC) -> the MAC seen sending from them, -1 if none was. */
  readonly realServerIpSenders: ReadonlyMap<number, number>;
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
  /** MACs that carry clients' packets from addresses not their own and are neither director nor RS. */
  routers = new Set<number>();
  evidence: ServiceEvidence | undefined;
  confidence: TopologyReport['confidence'] = 'none';
  /**
   * The services are known from the user or from behaviour, so findings are stated with their
   * full severity. With candidates only (the conversations, nothing of DR) errors that depend
   * on roles are reported as warnings: lvs-pcap must not call traffic broken on a guess.
   */
  confident = false;

  isService(ip: number, port: number, proto: number): boolean {
    return this.serviceIndex(ip, port, proto) >= 0;
  }

  serviceIndex(ip: number, port: number, proto: number): number {
    const services = this.services;
    for (let i = 0; i < services.length; i++) {
      const s = services[i]!;
      if (s.ip === ip && s.proto === proto && (s.port < 0 || s.port === port)) return i;
    }
    return -1;
  }

  isDirector(mac: number): boolean {
    return this.directors.has(mac);
  }

  isRealServer(mac: number): boolean {
    return this.realServers.has(mac);
  }
}

const protoName = (proto: number): 'tcp' | 'udp' => (proto === 17 ? 'udp' : 'tcp');
const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function resolve(facts: Facts): Resolution {
  const r = new Resolution();
  const { given, book, copies, claims } = facts;
  const paths = [...facts.paths.paths.values()].filter((p) => !book.isGroupOrUnspecified(p.ip));
  const verdicts = new Map(paths.map((p) => [p, judgePath(p)]));
  const addService = (s: Service, evidence?: string): void => {
    if (r.services.some((x) => x.ip === s.ip && x.port === s.port && x.proto === s.proto)) return;
    r.services.push(s);
    r.vipReport.push({ ip: book.format(s.ip), ...(s.port >= 0 ? { port: s.port } : {}), proto: protoName(s.proto), source: 'inferred', ...(evidence ? { evidence } : {}) });
  };
  const claimantsOf = (ip: number): number[] => [...(claims.byIp.get(ip)?.claimants.keys() ?? [])];
  /** The addresses a MAC claimed in ARP/ND other than `except`. */
  const ownAddresses = (mac: number, except: number): number[] => (claims.firstIpOfMac.get(mac) ?? []).filter((ip) => ip !== except);

  // ---- services ----
  for (const s of given.services) {
    if (s.vip === '') continue;
    r.services.push({ ip: book.intern(s.vip), port: s.port ?? -1, proto: s.proto === 'udp' ? 17 : 6 });
    r.vipReport.push({ ip: s.vip, ...(s.port !== undefined ? { port: s.port } : {}), proto: s.proto, source: 'given' });
  }
  if (r.services.length > 0) r.evidence = 'given';
  if (r.evidence === undefined) {
    const seen = new Map<string, { s: Service; n: number }>();
    for (const c of copies) {
      const k = `${c.vip}|${c.port}|${c.proto}`;
      const e = seen.get(k) ?? { s: { ip: c.vip, port: c.port, proto: c.proto }, n: 0 };
      e.n += c.count;
      seen.set(k, e);
    }
    for (const { s, n } of seen.values()) {
      addService(s, `${plural(n, 'client packet', 'client packets')} re-sent by the director with only the Ethernet header changed`);
    }
    if (r.services.length > 0) {
      r.evidence = 'copies';
      // Another port of an inferred VIP whose traffic reaches the same real servers is a service
      // too, even if no copy of it was seen (its clients may all bypass the director).
      const vipSet = new Set(r.services.map((s) => s.ip));
      const rsFromCopies = new Set(copies.map((c) => c.rsMac));
      for (const p of paths) {
        if (!vipSet.has(p.ip)) continue;
        if (![...p.sentTo, ...p.answering].some((m) => rsFromCopies.has(m))) continue;
        addService({ ip: p.ip, port: p.port, proto: p.proto }, 'traffic to the VIP handled by the real servers');
      }
    }
  }
  if (r.evidence === undefined) {
    for (const p of paths) {
      const claimants = claimantsOf(p.ip);
      if (claimants.length < 2) continue;
      const serving = [...p.answering].filter((m) => claimants.includes(m));
      if (serving.length === 0) continue;
      addService(
        { ip: p.ip, port: p.port, proto: p.proto },
        `claimed by ${claimants.length} MACs in ARP/ND, and answered from by ${serving.map(formatMac).join(', ')}: one address shared by several hosts, as a DR VIP is`,
      );
    }
    if (r.services.length > 0) r.evidence = 'shared-address';
  }
  /** An asymmetric path whose silent MAC claims the address in ARP/ND: the director of DR, not just any routing asymmetry. */
  let asymmetryCorroborated = false;
  if (r.evidence === undefined) {
    for (const p of paths) {
      const v = verdicts.get(p)!;
      if (!v.asymmetric) continue;
      addService({ ip: p.ip, port: p.port, proto: p.proto }, v.why);
      const claimants = claimantsOf(p.ip);
      if (v.directorCandidates.some((m) => claimants.includes(m))) asymmetryCorroborated = true;
    }
    if (r.services.length > 0) r.evidence = 'asymmetric-path';
  }
  const vantage = facts.captures.map((c) => c.vantage.resolve());
  if (r.evidence === undefined) {
    for (const p of paths) {
      const why = resentToNonOwner(p, vantage, claims.firstIpOfMac, claimantsOf(p.ip));
      if (why !== undefined) addService({ ip: p.ip, port: p.port, proto: p.proto }, why);
    }
    if (r.services.length > 0) r.evidence = 'resent-to-non-owner';
  }
  if (r.evidence === undefined) {
    const answered = paths.filter((p) => p.answeredFlows > 0);
    const servers = new Set(answered.map((p) => p.ip));
    for (const p of answered) {
      addService(
        { ip: p.ip, port: p.port, proto: p.proto },
        servers.size === 1
          ? 'the one server address the clients talk to (this capture shows nothing of DR itself)'
          : 'a server address clients talk to (a candidate: this capture shows nothing of DR)',
      );
    }
    if (r.services.length > 0) r.evidence = 'candidate';
  }
  for (const s of r.services) r.vipIps.add(s.ip);
  r.serviceCopies = copies.filter((c) => r.isService(c.vip, c.port, c.proto));
  // Routing asymmetry alone happens on any network (a router pair, a capture missing one
  // direction): without the silent MAC claiming the address it stays a guess, as candidates do.
  r.confident = r.evidence !== undefined && r.evidence !== 'candidate' && (r.evidence !== 'asymmetric-path' || asymmetryCorroborated);
  const servicePaths = paths.filter((p) => r.isService(p.ip, p.port, p.proto));

  // ---- real servers known by their own behaviour or the user (before directors: "not an RS" tells a director) ----
  r.realServersGiven = given.realServers.length > 0;
  const givenDirectors = new Set(given.directorMacs.flatMap((m) => [parseMac(m) ?? -1]));
  // A router relays frames from many addresses (the RS's among them, when the capture is taken
  // beyond it): a MAC seen sending for two given real servers, or claiming an address of its
  // own, is not the real server's.
  const sendsFor = new Map<number, number>();
  for (const mac of facts.realServerIpSenders.values()) if (mac >= 0) sendsFor.set(mac, (sendsFor.get(mac) ?? 0) + 1);
  const relaysFor = (mac: number, ip: number): boolean =>
    (sendsFor.get(mac) ?? 0) > 1 || ownAddresses(mac, ip).some((other) => !r.vipIps.has(other));
  const unresolvedRsIps: number[] = [];
  for (const x of given.realServers) {
    const mac = x.mac !== undefined ? parseMac(x.mac) : undefined;
    const ip = x.ip !== undefined ? book.intern(x.ip) : undefined;
    if (mac !== undefined) {
      r.realServers.set(mac, { ...(ip !== undefined ? { ip } : {}), source: 'given' });
      continue;
    }
    if (ip === undefined) continue;
    const fromClaims = claimantsOf(ip).find((m) => !givenDirectors.has(m));
    const sender = facts.realServerIpSenders.get(ip);
    const fromTraffic = sender !== undefined && sender >= 0 && !relaysFor(sender, ip) ? sender : undefined;
    const fromCopy = r.serviceCopies.find((c) => c.rsIp === ip)?.rsMac;
    const resolved = fromClaims ?? fromTraffic ?? fromCopy;
    if (resolved !== undefined && resolved >= 0) {
      const how = fromClaims !== undefined ? 'MAC from ARP' : fromTraffic !== undefined ? 'MAC of the frames it sent' : "MAC of the director's copies to it";
      r.realServers.set(resolved, { ip, source: 'given', evidence: how });
    } else {
      unresolvedRsIps.push(ip);
    }
  }
  const copyTargets = new Set(r.serviceCopies.map((c) => c.rsMac).filter((m) => m >= 0));
  const copySenders = new Set(r.serviceCopies.map((c) => c.directorMac).filter((m) => m >= 0));
  // Candidates (the conversations alone) show no DR roles: nobody is made a real server or a
  // director from them, so nothing is judged on a role the capture never showed.
  const mayBeRealServer = r.evidence !== 'candidate' && (!r.realServersGiven || unresolvedRsIps.length > 0);
  if (!r.realServersGiven) {
    for (const mac of copyTargets) if (!r.realServers.has(mac)) r.realServers.set(mac, { source: 'inferred', evidence: "receives the director's copies" });
  }
  if (mayBeRealServer) {
    // A host that receives the clients' packets for a VIP re-sent by another host, owns an
    // address of its own and never claims the VIP: a real server behind a director (its VIP on lo).
    for (const p of servicePaths) {
      for (const { rs } of resentPairs(p, vantage, claims.firstIpOfMac, claimantsOf(p.ip))) {
        if (givenDirectors.has(rs) || copySenders.has(rs) || r.realServers.has(rs)) continue;
        r.realServers.set(rs, { source: 'inferred', evidence: "receives clients' packets for the VIP re-sent by another host, and never claims the VIP" });
      }
    }
    // A MAC that answers connections from a VIP, is not a director, and is not the clients'
    // gateway is a real server. A gateway (a router seen from the client side) also answers
    // from the VIP, but the clients send to it themselves and it never claims the VIP.
    for (const p of servicePaths) {
      const vipClaimants = claimantsOf(p.ip);
      for (const mac of p.answering) {
        if (givenDirectors.has(mac) || copySenders.has(mac) || r.realServers.has(mac)) continue;
        const senders = [...p.requestPairs].filter(([, tos]) => tos.has(mac)).map(([from]) => from);
        // Claiming the VIP tells a real server only where other MACs claim it too (a shared
        // address); a lone claimant that serves from its address is just that address's owner.
        const claimsVip = vipClaimants.length >= 2 && vipClaimants.includes(mac);
        const onlyResent = senders.every((from) => resendsOthersPackets(from, p, claims.firstIpOfMac));
        if (!claimsVip && !onlyResent) continue;
        r.realServers.set(mac, { source: 'inferred', evidence: claimsVip ? 'answers connections as the VIP, and claims it' : 'answers connections as the VIP' });
      }
    }
  }
  for (const ip of unresolvedRsIps) {
    r.notes.push(`real server ${book.format(ip)} was given but its MAC is not in the capture (no ARP for it, no frame from it)`);
  }

  // ---- directors ----
  for (const m of given.directorMacs) {
    const n = parseMac(m);
    if (n !== undefined) r.directors.set(n, { mac: formatMac(n), source: 'given' });
  }
  if (r.directors.size === 0) {
    const counts = new Map<number, number>();
    for (const c of r.serviceCopies) if (c.directorMac >= 0) counts.set(c.directorMac, (counts.get(c.directorMac) ?? 0) + c.count);
    for (const [mac, n] of counts) {
      r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: `${n} forwarded cop${n === 1 ? 'y' : 'ies'} sent` });
    }
  }
  // From behaviour only where the capture shows DR at all (not from candidates).
  const rolesShown = r.evidence !== 'candidate';
  if (r.directors.size === 0 && rolesShown) {
    for (const p of servicePaths) {
      for (const mac of verdicts.get(p)!.directorCandidates) {
        if (r.realServers.has(mac) || r.directors.has(mac)) continue;
        r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'clients send to it, it never answers (asymmetric path)' });
      }
    }
  }
  if (r.directors.size === 0 && rolesShown) {
    // A MAC that hands clients' packets for the VIP to a real server which never offered itself
    // for the VIP is forwarding them: a director. (A router hands them to a real server only
    // when that server answered ARP for the VIP: then it is a bypass, not forwarding.)
    for (const p of servicePaths) {
      const vipClaimants = claimantsOf(p.ip);
      for (const [from, tos] of p.requestPairs) {
        if (r.realServers.has(from) || r.directors.has(from)) continue;
        const toRs = [...tos].filter((m) => r.realServers.has(m) && !vipClaimants.includes(m));
        if (toRs.length === 0 || !resendsOthersPackets(from, p, claims.firstIpOfMac)) continue;
        r.directors.set(from, { mac: formatMac(from), source: 'inferred', evidence: `re-sends clients' packets for the VIP to ${toRs.map(formatMac).join(', ')}` });
      }
      for (const from of p.receivedFrom) {
        if (r.realServers.has(from) || r.directors.has(from)) continue;
        const host = vantage.find((v) => v.kind === 'cooked-host' && r.realServers.has(v.hostMac));
        if (host === undefined || vipClaimants.includes(host.hostMac) || !resendsOthersPackets(from, p, claims.firstIpOfMac)) continue;
        r.directors.set(from, { mac: formatMac(from), source: 'inferred', evidence: "re-sends clients' packets for the VIP to this real server" });
      }
    }
  }
  if (r.directors.size === 0 && rolesShown) {
    // The claimants of a VIP that are not real servers: the director, if there is one such MAC.
    for (const ip of r.vipIps) {
      const others = claimantsOf(ip).filter((m) => !r.realServers.has(m));
      if (others.length === 1) {
        const mac = others[0]!;
        r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'the one MAC other than the real servers that claims the VIP (ARP/ND)' });
      }
    }
  }
  for (const d of r.directors.values()) {
    const mac = parseMac(d.mac);
    const ips = mac !== undefined ? (claims.firstIpOfMac.get(mac) ?? []).filter((ip) => !r.vipIps.has(ip)) : [];
    if (ips[0] !== undefined) d.ip = book.format(ips[0]);
  }
  // Without any RS knowledge, the MACs answering as the VIP (not a director) are real servers.
  for (const [mac, rs] of r.realServers) {
    if (r.directors.has(mac)) {
      r.realServers.delete(mac);
      continue;
    }
    if (rs.ip !== undefined) continue;
    const fromCopy = r.serviceCopies.find((c) => c.rsMac === mac && c.rsIp >= 0);
    if (fromCopy) rs.ip = fromCopy.rsIp;
    else {
      const ips = ownAddresses(mac, -1).filter((ip) => !r.vipIps.has(ip));
      if (ips[0] !== undefined) rs.ip = ips[0];
    }
  }

  // ---- vantage points ----
  // Senders of the clients' packets that are neither director nor RS: the clients themselves,
  // or their router when it carries packets of addresses other than its own.
  const clientMacs = new Set<number>();
  const routerMacs = new Set<number>();
  for (const p of servicePaths) {
    // Answers as the VIP without claiming it, and the clients send to it themselves: their gateway.
    const vipClaimants = claimantsOf(p.ip);
    for (const mac of p.answering) {
      if (r.isDirector(mac) || r.isRealServer(mac) || vipClaimants.includes(mac)) continue;
      const senders = [...p.requestPairs].filter(([, tos]) => tos.has(mac)).map(([from]) => from);
      if (senders.some((from) => !resendsOthersPackets(from, p, claims.firstIpOfMac))) routerMacs.add(mac);
    }
  }
  for (const p of servicePaths) {
    for (const m of p.clientSenders) {
      if (r.isDirector(m) || r.isRealServer(m)) continue;
      if (resendsOthersPackets(m, p, claims.firstIpOfMac)) routerMacs.add(m);
      else clientMacs.add(m);
    }
  }
  const roleOf = (mac: number): NonNullable<VantagePoint['hostRole']> =>
    r.isDirector(mac) ? 'director' : r.isRealServer(mac) ? 'rs' : clientMacs.has(mac) ? 'client' : routerMacs.has(mac) ? 'router' : 'other';
  // The director's own port would also show the clients' frames to it and its copies to every
  // real server: when it is one end of the only link seen, the capture is at the other end.
  const preference: NonNullable<VantagePoint['hostRole']>[] = ['rs', 'client', 'router', 'director', 'other'];
  r.vantagePoints = vantage.map((v) => {
    // One link only (a client and its router): name the end whose role says most.
    const mac = v.hostMacs.length > 1 ? [...v.hostMacs].sort((a, b) => preference.indexOf(roleOf(a)) - preference.indexOf(roleOf(b)))[0]! : v.hostMac;
    const hostMac = mac >= 0 ? formatMac(mac) : undefined;
    const hostRole: VantagePoint['hostRole'] = mac >= 0 ? roleOf(mac) : undefined;
    const roleText = { director: 'director', rs: 'real server', client: 'client', router: "the clients' router", other: 'other' } as const;
    const role = hostRole ? ` (${roleText[hostRole]})` : '';
    const description =
      v.kind === 'mirror'
        ? 'mirror port (frames between many hosts)'
        : v.kind === 'unknown'
          ? 'unknown (too few unicast frames to tell)'
          : `${v.kind === 'cooked-host' ? 'cooked capture on' : 'port of'} ${hostMac ?? 'an unknown host'}${role}`;
    return { kind: v.kind, hostMac, hostRole, description };
  });
  r.hostMacs = r.vantagePoints.map((v) => (v.hostMac !== undefined ? (parseMac(v.hostMac) ?? -1) : -1));
  r.routers = routerMacs;
  r.forwardingVisible = r.vantagePoints.some((v) => v.kind === 'mirror' || v.hostRole === 'director');

  // ---- how sure ----
  const copyCount = r.serviceCopies.reduce((n, c) => n + c.count, 0);
  if (given.services.length > 0 && given.directorMacs.length > 0) r.confidence = 'high';
  else if (copyCount >= 3) r.confidence = 'high';
  else if (copyCount > 0 || (r.evidence !== undefined && r.evidence !== 'candidate') || r.directors.size > 0) r.confidence = 'medium';
  else if (r.services.length > 0) r.confidence = r.confident ? 'medium' : 'low';
  return r;
}

/**
 * Why `p` looks like a VIP seen from a real server: the clients' packets for it arrive, re-sent
 * by another host, at a host that owns another address and never claims this one; or undefined.
 */
function resentToNonOwner(
  p: Layer2Path,
  vantage: readonly { kind: string; hostMac: number }[],
  ownIps: ReadonlyMap<number, readonly number[]>,
  claimantsOfVip: readonly number[],
): string | undefined {
  const pair = resentPairs(p, vantage, ownIps, claimantsOfVip)[0];
  if (pair === undefined) return undefined;
  return `clients' packets for it arrive re-sent by ${formatMac(pair.director)} at ${formatMac(pair.rs)}, a host with an address of its own that never claims this one (a VIP on its lo)`;
}

/**
 * Who re-sends the clients' packets for `p` to whom, where the receiver owns an address of its
 * own and never claims `p`'s: a director (or something doing its job) and a real server. From a
 * Linux cooked capture on the receiver, the receiver is the capturing host.
 */
function resentPairs(
  p: Layer2Path,
  vantage: readonly { kind: string; hostMac: number }[],
  ownIps: ReadonlyMap<number, readonly number[]>,
  claimantsOfVip: readonly number[],
): { director: number; rs: number }[] {
  const ownsOther = (mac: number): boolean => (ownIps.get(mac) ?? []).some((ip) => ip !== p.ip);
  const out: { director: number; rs: number }[] = [];
  for (const [from, tos] of p.requestPairs) {
    if (!resendsOthersPackets(from, p, ownIps)) continue;
    for (const to of tos) {
      if (to === from || claimantsOfVip.includes(to) || !ownsOther(to)) continue;
      out.push({ director: from, rs: to });
    }
  }
  for (const v of vantage) {
    if (v.kind !== 'cooked-host' || v.hostMac < 0 || claimantsOfVip.includes(v.hostMac) || !ownsOther(v.hostMac)) continue;
    for (const from of p.receivedFrom) {
      if (from === v.hostMac || !resendsOthersPackets(from, p, ownIps)) continue;
      out.push({ director: from, rs: v.hostMac });
    }
  }
  return out;
}

/**
 * Whether `mac` sends the service's requests for hosts other than itself: it claims an address
 * of its own, and some request it sent came from another address.
 */
function resendsOthersPackets(mac: number, p: Layer2Path, ownIps: ReadonlyMap<number, readonly number[]>): boolean {
  const own = ownIps.get(mac) ?? [];
  if (own.length === 0) return false;
  for (const ip of p.carried.get(mac) ?? []) if (!own.includes(ip)) return true;
  return false;
}
