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
import { judgePath, type Layer2Path, type PathBook, type PathVerdict } from './paths.js';
import type { TopologyReport } from '../result/result.js';
import type { GivenTopology } from '../topology/topology.js';
import type { VantageCounter } from './vantage.js';
import type { VantagePoint } from '../result/views.js';
import type { VrrpLog } from '../track/vrrp.js';

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
  /** VRRP advertisements, as runs per sender and virtual router. */
  readonly vrrp: VrrpLog;
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
  return new Resolver(facts).run();
}

/** One resolution: the steps in order, sharing what they find (see the module comment). */
class Resolver {
  private readonly r = new Resolution();
  private readonly paths: Layer2Path[];
  private readonly verdicts: Map<Layer2Path, PathVerdict>;
  private readonly vantage: ReturnType<VantageCounter['resolve']>[];
  private servicePaths: Layer2Path[] = [];
  /** An asymmetric path whose silent MAC claims the address in ARP/ND: the director of DR, not just any routing asymmetry. */
  private asymmetryCorroborated = false;
  private readonly givenDirectors: Set<number>;

  constructor(private readonly facts: Facts) {
    this.paths = [...facts.paths.paths.values()].filter((p) => !facts.book.isGroupOrUnspecified(p.ip));
    this.verdicts = new Map(this.paths.map((p) => [p, judgePath(p)]));
    this.vantage = facts.captures.map((c) => c.vantage.resolve());
    this.givenDirectors = new Set(facts.given.directorMacs.flatMap((m) => [parseMac(m) ?? -1]));
  }

  run(): Resolution {
    const r = this.r;
    this.services();
    for (const s of r.services) r.vipIps.add(s.ip);
    r.serviceCopies = this.facts.copies.filter((c) => r.isService(c.vip, c.port, c.proto));
    // Routing asymmetry alone happens on any network (a router pair, a capture missing one
    // direction): without the silent MAC claiming the address it stays a guess, as candidates do.
    r.confident = r.evidence !== undefined && r.evidence !== 'candidate' && (r.evidence !== 'asymmetric-path' || this.asymmetryCorroborated);
    this.servicePaths = this.paths.filter((p) => r.isService(p.ip, p.port, p.proto));
    // Real servers first: "not a real server" is part of how a director is told.
    this.realServers();
    this.directors();
    this.realServerAddresses();
    this.vantagePoints();
    this.confidence();
    return r;
  }

  private claimantsOf(ip: number): number[] {
    return [...(this.facts.claims.byIp.get(ip)?.claimants.keys() ?? [])];
  }

  /** The addresses a MAC claimed in ARP/ND other than `except`. */
  private ownAddresses(mac: number, except: number): number[] {
    return (this.facts.claims.firstIpOfMac.get(mac) ?? []).filter((ip) => ip !== except);
  }

  private resends(mac: number, p: Layer2Path): boolean {
    return resendsOthersPackets(mac, p, this.facts.claims.firstIpOfMac);
  }

  /** The MACs that sent `p`'s requests to `mac`. */
  private sendersTo(p: Layer2Path, mac: number): number[] {
    return [...p.requestPairs].filter(([, tos]) => tos.has(mac)).map(([from]) => from);
  }

  private addService(s: Service, evidence?: string): void {
    const r = this.r;
    if (r.services.some((x) => x.ip === s.ip && x.port === s.port && x.proto === s.proto)) return;
    r.services.push(s);
    r.vipReport.push({ ip: this.facts.book.format(s.ip), ...(s.port >= 0 ? { port: s.port } : {}), proto: protoName(s.proto), source: 'inferred', ...(evidence ? { evidence } : {}) });
  }

  /** The services: given, else from the strongest kind of evidence the capture holds. */
  private services(): void {
    const r = this.r;
    const { given, book } = this.facts;
    for (const s of given.services) {
      if (s.vip === '') continue;
      r.services.push({ ip: book.intern(s.vip), port: s.port ?? -1, proto: s.proto === 'udp' ? 17 : 6 });
      r.vipReport.push({ ip: s.vip, ...(s.port !== undefined ? { port: s.port } : {}), proto: s.proto, source: 'given' });
    }
    if (r.services.length > 0) r.evidence = 'given';
    const steps: [ServiceEvidence, () => void][] = [
      ['copies', () => this.servicesFromCopies()],
      ['shared-address', () => this.servicesFromSharedAddresses()],
      ['asymmetric-path', () => this.servicesFromAsymmetricPaths()],
      ['resent-to-non-owner', () => this.servicesResentToNonOwners()],
      ['candidate', () => this.candidateServices()],
    ];
    for (const [evidence, step] of steps) {
      if (r.evidence !== undefined) return;
      step();
      if (r.services.length > 0) r.evidence = evidence;
    }
  }

  private servicesFromCopies(): void {
    const copies = this.facts.copies;
    const seen = new Map<string, { s: Service; n: number }>();
    for (const c of copies) {
      const k = `${c.vip}|${c.port}|${c.proto}`;
      const e = seen.get(k) ?? { s: { ip: c.vip, port: c.port, proto: c.proto }, n: 0 };
      e.n += c.count;
      seen.set(k, e);
    }
    for (const { s, n } of seen.values()) {
      this.addService(s, `${plural(n, 'client packet', 'client packets')} re-sent by the director with only the Ethernet header changed`);
    }
    if (this.r.services.length === 0) return;
    // Another port of an inferred VIP whose traffic reaches the same real servers is a service
    // too, even if no copy of it was seen (its clients may all bypass the director).
    const vipSet = new Set(this.r.services.map((s) => s.ip));
    const rsFromCopies = new Set(copies.map((c) => c.rsMac));
    for (const p of this.paths) {
      if (!vipSet.has(p.ip)) continue;
      if (![...p.sentTo, ...p.answering].some((m) => rsFromCopies.has(m))) continue;
      this.addService({ ip: p.ip, port: p.port, proto: p.proto }, 'traffic to the VIP handled by the real servers');
    }
  }

  private servicesFromSharedAddresses(): void {
    for (const p of this.paths) {
      const claimants = this.claimantsOf(p.ip);
      if (claimants.length < 2) continue;
      const serving = [...p.answering].filter((m) => claimants.includes(m));
      if (serving.length === 0) continue;
      this.addService(
        { ip: p.ip, port: p.port, proto: p.proto },
        `claimed by ${claimants.length} MACs in ARP/ND, and answered from by ${serving.map(formatMac).join(', ')}: one address shared by several hosts, as a DR VIP is`,
      );
    }
  }

  private servicesFromAsymmetricPaths(): void {
    for (const p of this.paths) {
      const v = this.verdicts.get(p)!;
      if (!v.asymmetric) continue;
      this.addService({ ip: p.ip, port: p.port, proto: p.proto }, v.why);
      const claimants = this.claimantsOf(p.ip);
      if (v.directorCandidates.some((m) => claimants.includes(m))) this.asymmetryCorroborated = true;
    }
  }

  private servicesResentToNonOwners(): void {
    for (const p of this.paths) {
      const why = resentToNonOwner(p, this.vantage, this.facts.claims.firstIpOfMac, this.claimantsOf(p.ip));
      if (why !== undefined) this.addService({ ip: p.ip, port: p.port, proto: p.proto }, why);
    }
  }

  private candidateServices(): void {
    const answered = this.paths.filter((p) => p.answeredFlows > 0);
    const servers = new Set(answered.map((p) => p.ip));
    for (const p of answered) {
      this.addService(
        { ip: p.ip, port: p.port, proto: p.proto },
        servers.size === 1
          ? 'the one server address the clients talk to (this capture shows nothing of DR itself)'
          : 'a server address clients talk to (a candidate: this capture shows nothing of DR)',
      );
    }
  }

  /** Real servers: given (tied to MACs by ARP, their frames, the copies), else by their behaviour. */
  private realServers(): void {
    const r = this.r;
    const { given, book } = this.facts;
    r.realServersGiven = given.realServers.length > 0;
    // A router relays frames from many addresses (the RS's among them, when the capture is taken
    // beyond it): a MAC seen sending for two given real servers, or claiming an address of its
    // own, is not the real server's.
    const sendsFor = new Map<number, number>();
    for (const mac of this.facts.realServerIpSenders.values()) if (mac >= 0) sendsFor.set(mac, (sendsFor.get(mac) ?? 0) + 1);
    const relaysFor = (mac: number, ip: number): boolean => (sendsFor.get(mac) ?? 0) > 1 || this.ownAddresses(mac, ip).some((other) => !r.vipIps.has(other));
    const unresolvedRsIps: number[] = [];
    for (const x of given.realServers) {
      const mac = x.mac !== undefined ? parseMac(x.mac) : undefined;
      const ip = x.ip !== undefined ? book.intern(x.ip) : undefined;
      if (mac !== undefined) {
        r.realServers.set(mac, { ...(ip !== undefined ? { ip } : {}), source: 'given' });
        continue;
      }
      if (ip === undefined) continue;
      const fromClaims = this.claimantsOf(ip).find((m) => !this.givenDirectors.has(m));
      const sender = this.facts.realServerIpSenders.get(ip);
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
    if (!r.realServersGiven) {
      for (const c of r.serviceCopies) {
        if (c.rsMac >= 0 && !r.realServers.has(c.rsMac)) r.realServers.set(c.rsMac, { source: 'inferred', evidence: "receives the director's copies" });
      }
    }
    // Candidates (the conversations alone) show no DR roles: nobody is made a real server or a
    // director from them, so nothing is judged on a role the capture never showed.
    if (r.evidence !== 'candidate' && (!r.realServersGiven || unresolvedRsIps.length > 0)) this.realServersByBehaviour();
    for (const ip of unresolvedRsIps) {
      r.notes.push(`real server ${book.format(ip)} was given but its MAC is not in the capture (no ARP for it, no frame from it)`);
    }
  }

  private realServersByBehaviour(): void {
    const r = this.r;
    const copySenders = new Set(r.serviceCopies.map((c) => c.directorMac).filter((m) => m >= 0));
    const excluded = (mac: number): boolean => this.givenDirectors.has(mac) || copySenders.has(mac) || r.realServers.has(mac);
    // A host that receives the clients' packets for a VIP re-sent by another host, owns an
    // address of its own and never claims the VIP: a real server behind a director (its VIP on lo).
    for (const p of this.servicePaths) {
      for (const { rs } of resentPairs(p, this.vantage, this.facts.claims.firstIpOfMac, this.claimantsOf(p.ip))) {
        if (excluded(rs)) continue;
        r.realServers.set(rs, { source: 'inferred', evidence: "receives clients' packets for the VIP re-sent by another host, and never claims the VIP" });
      }
    }
    // A MAC that answers connections from a VIP, is not a director, and is not the clients'
    // gateway is a real server. A gateway (a router seen from the client side) also answers
    // from the VIP, but the clients send to it themselves and it never claims the VIP.
    for (const p of this.servicePaths) {
      const vipClaimants = this.claimantsOf(p.ip);
      for (const mac of p.answering) {
        if (excluded(mac)) continue;
        // Claiming the VIP tells a real server only where other MACs claim it too (a shared
        // address); a lone claimant that serves from its address is just that address's owner.
        const claimsVip = vipClaimants.length >= 2 && vipClaimants.includes(mac);
        const onlyResent = this.sendersTo(p, mac).every((from) => this.resends(from, p));
        if (!claimsVip && !onlyResent) continue;
        r.realServers.set(mac, { source: 'inferred', evidence: claimsVip ? 'answers connections as the VIP, and claims it' : 'answers connections as the VIP' });
      }
    }
  }

  /** Directors: given, else the senders of the copies, else (where the capture shows DR) by behaviour. */
  private directors(): void {
    const r = this.r;
    for (const m of this.facts.given.directorMacs) {
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
    if (this.givenDirectors.size === 0) this.directorsFromVrrp();
    if (r.evidence !== 'candidate') {
      if (r.directors.size === 0) this.directorsFromAsymmetricPaths();
      if (r.directors.size === 0) this.directorsForwardingToRealServers();
      if (r.directors.size === 0) this.directorFromClaims();
    }
    for (const d of r.directors.values()) {
      const mac = parseMac(d.mac);
      const ips = mac !== undefined ? (this.facts.claims.firstIpOfMac.get(mac) ?? []).filter((ip) => !r.vipIps.has(ip)) : [];
      // A director that claims no address of its own in ARP still sends its VRRP adverts from one.
      const advertised = ips[0] ?? this.facts.vrrp.runs.find((run) => run.senderMac === mac)?.senderIp;
      if (advertised !== undefined) d.ip = this.facts.book.format(advertised);
    }
  }

  /**
   * A MAC that sends VRRP advertisements carrying a VIP is one of the directors keepalived
   * moves it between, whether or not it forwarded anything in this capture (a BACKUP does not).
   */
  private directorsFromVrrp(): void {
    const r = this.r;
    for (const run of this.facts.vrrp.runs) {
      const mac = run.senderMac;
      if (mac < 0 || r.directors.has(mac) || r.realServers.has(mac)) continue;
      const vip = run.addresses.find((a) => r.vipIps.has(a));
      if (vip === undefined) continue;
      r.directors.set(mac, {
        mac: formatMac(mac),
        source: 'inferred',
        evidence: `sends VRRP advertisements for ${this.facts.book.format(vip)} (VRID ${run.vrid})`,
      });
    }
  }

  private directorsFromAsymmetricPaths(): void {
    const r = this.r;
    for (const p of this.servicePaths) {
      for (const mac of this.verdicts.get(p)!.directorCandidates) {
        if (r.realServers.has(mac) || r.directors.has(mac)) continue;
        r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'clients send to it, it never answers (asymmetric path)' });
      }
    }
  }

  /**
   * A MAC that hands clients' packets for the VIP to a real server which never offered itself
   * for the VIP is forwarding them: a director. (A router hands them to a real server only when
   * that server answered ARP for the VIP: then it is a bypass, not forwarding.)
   */
  private directorsForwardingToRealServers(): void {
    const r = this.r;
    for (const p of this.servicePaths) {
      const vipClaimants = this.claimantsOf(p.ip);
      for (const [from, tos] of p.requestPairs) {
        if (r.realServers.has(from) || r.directors.has(from)) continue;
        const toRs = [...tos].filter((m) => r.realServers.has(m) && !vipClaimants.includes(m));
        if (toRs.length === 0 || !this.resends(from, p)) continue;
        r.directors.set(from, { mac: formatMac(from), source: 'inferred', evidence: `re-sends clients' packets for the VIP to ${toRs.map(formatMac).join(', ')}` });
      }
      for (const from of p.receivedFrom) {
        if (r.realServers.has(from) || r.directors.has(from)) continue;
        const host = this.vantage.find((v) => v.kind === 'cooked-host' && r.realServers.has(v.hostMac));
        if (host === undefined || vipClaimants.includes(host.hostMac) || !this.resends(from, p)) continue;
        r.directors.set(from, { mac: formatMac(from), source: 'inferred', evidence: "re-sends clients' packets for the VIP to this real server" });
      }
    }
  }

  /** The claimants of a VIP that are not real servers: the director, if there is one such MAC. */
  private directorFromClaims(): void {
    const r = this.r;
    for (const ip of r.vipIps) {
      const others = this.claimantsOf(ip).filter((m) => !r.realServers.has(m));
      if (others.length === 1) {
        const mac = others[0]!;
        r.directors.set(mac, { mac: formatMac(mac), source: 'inferred', evidence: 'the one MAC other than the real servers that claims the VIP (ARP/ND)' });
      }
    }
  }

  /** A MAC taken for a director is no real server; real servers without an address get theirs from the copies or ARP. */
  private realServerAddresses(): void {
    const r = this.r;
    for (const [mac, rs] of r.realServers) {
      if (r.directors.has(mac)) {
        r.realServers.delete(mac);
        continue;
      }
      if (rs.ip !== undefined) continue;
      const fromCopy = r.serviceCopies.find((c) => c.rsMac === mac && c.rsIp >= 0);
      if (fromCopy) rs.ip = fromCopy.rsIp;
      else {
        const ips = this.ownAddresses(mac, -1).filter((ip) => !r.vipIps.has(ip));
        if (ips[0] !== undefined) rs.ip = ips[0];
      }
    }
  }

  /** Where each capture was taken, and the role of the host it was taken on. */
  private vantagePoints(): void {
    const r = this.r;
    // Senders of the clients' packets that are neither director nor RS: the clients themselves,
    // or their router when it carries packets of addresses other than its own.
    const clientMacs = new Set<number>();
    const routerMacs = new Set<number>();
    for (const p of this.servicePaths) {
      // Answers as the VIP without claiming it, and the clients send to it themselves: their gateway.
      const vipClaimants = this.claimantsOf(p.ip);
      for (const mac of p.answering) {
        if (r.isDirector(mac) || r.isRealServer(mac) || vipClaimants.includes(mac)) continue;
        if (this.sendersTo(p, mac).some((from) => !this.resends(from, p))) routerMacs.add(mac);
      }
    }
    for (const p of this.servicePaths) {
      for (const m of p.clientSenders) {
        if (r.isDirector(m) || r.isRealServer(m)) continue;
        if (this.resends(m, p)) routerMacs.add(m);
        else clientMacs.add(m);
      }
    }
    const roleOf = (mac: number): NonNullable<VantagePoint['hostRole']> =>
      r.isDirector(mac) ? 'director' : r.isRealServer(mac) ? 'rs' : clientMacs.has(mac) ? 'client' : routerMacs.has(mac) ? 'router' : 'other';
    // The director's own port would also show the clients' frames to it and its copies to every
    // real server: when it is one end of the only link seen, the capture is at the other end.
    const preference: NonNullable<VantagePoint['hostRole']>[] = ['rs', 'client', 'router', 'director', 'other'];
    const roleText = { director: 'director', rs: 'real server', client: 'client', router: "the clients' router", other: 'other' } as const;
    r.vantagePoints = this.vantage.map((v) => {
      // One link only (a client and its router): name the end whose role says most.
      const mac = v.hostMacs.length > 1 ? [...v.hostMacs].sort((a, b) => preference.indexOf(roleOf(a)) - preference.indexOf(roleOf(b)))[0]! : v.hostMac;
      const hostMac = mac >= 0 ? formatMac(mac) : undefined;
      const hostRole: VantagePoint['hostRole'] = mac >= 0 ? roleOf(mac) : undefined;
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
  }

  private confidence(): void {
    const r = this.r;
    const given = this.facts.given;
    const copyCount = r.serviceCopies.reduce((n, c) => n + c.count, 0);
    if (given.services.length > 0 && given.directorMacs.length > 0) r.confidence = 'high';
    else if (copyCount >= 3) r.confidence = 'high';
    else if (copyCount > 0 || (r.evidence !== undefined && r.evidence !== 'candidate') || r.directors.size > 0) r.confidence = 'medium';
    else if (r.services.length > 0) r.confidence = r.confident ? 'medium' : 'low';
  }
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
