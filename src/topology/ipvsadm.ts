/**
 * Reads the director's IPVS table as the user saved it: `ipvsadm -Ln` (list) or
 * `ipvsadm-save -n` / `ipvsadm -Sn` (one ipvsadm command per line, also what `ipvsadm -R` reads),
 * following ipvsadm 1.31's output. Only numeric output is accepted: resolving names would make
 * the check depend on the DNS of the machine running it.
 */

import { checkIp, checkPort, splitHostPort, type IpFamily } from './given.js';
import type { ConfiguredRealServer, ForwardMethod, L4Proto, VirtualService } from './topology.js';
import { UsageError } from './usage-error.js';

export type IpvsadmFormat = 'list' | 'save';

export interface IpvsadmTable {
  format: IpvsadmFormat;
  services: VirtualService[];
  /** For GivenTopology.sources: "ipvsadm -Ln (lvs.txt)" or "ipvsadm-save (lvs.rules)". */
  label: string;
}

/** ipvsadm's own defaults, applied to hand-written rule lines that leave an option out. */
const DEFAULT_SCHEDULER = 'wlc';
const DEFAULT_PERSISTENCE = 300;
const DEFAULT_WEIGHT = 1;
const MAX_WEIGHT = 2147483647;

/** Thrown inside the line parsers; parseIpvsadm adds the file, line number and line. */
class LineError extends Error {}

function lineFail(reason: string): never {
  throw new LineError(reason);
}

/** Comments, blank lines and a pasted shell prompt ("root@lvs1:~# ipvsadm -Ln"): people save output with them. */
function skippable(t: string): boolean {
  return t === '' || /^\S*[$#]\s*(sudo\s+)?ipvsadm/.test(t) || t.startsWith('#');
}

/**
 * Services of an `ipvsadm -Ln` or `ipvsadm-save -n` text, told apart by the first line that is
 * not a comment. `sourceName` is the file name as given; every UsageError starts with it and,
 * for a bad line, its line number and the line itself.
 */
export function parseIpvsadm(text: string, sourceName: string): IpvsadmTable {
  const lines = text.split(/\r?\n/);
  let format: IpvsadmFormat | undefined;
  for (const raw of lines) {
    const t = raw.trim();
    if (skippable(t)) continue;
    // "-> rip:port ..." is an -Ln real-server line, not an ipvsadm option.
    format = /^(ipvsadm\s+)?-[^>]/.test(t) ? 'save' : 'list';
    break;
  }
  if (format === undefined) {
    throw new UsageError(`${sourceName}: no ipvsadm output in it (want ipvsadm -Ln or ipvsadm-save -n output)`);
  }
  const parser = format === 'save' ? new SaveParser() : new ListParser(sourceName);
  lines.forEach((raw, i) => {
    const t = raw.trim();
    if (skippable(t)) return;
    try {
      parser.line(t);
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      const shown = t.length > 120 ? t.slice(0, 117) + '...' : t;
      throw new UsageError(`${sourceName}:${i + 1}: ${e.message}: ${shown}`);
    }
  });
  return {
    format,
    services: parser.services,
    label: format === 'save' ? `ipvsadm-save (${sourceName})` : `ipvsadm -Ln (${sourceName})`,
  };
}

interface Endpoint {
  ip: string;
  family: IpFamily;
  /** undefined when absent or 0: IPVS uses port 0 for "every port" (persistent port-0 services, fwmark RSs). */
  port?: number;
  portGiven: boolean;
}

/** "a.b.c.d:port" or "[v6]:port" as ipvsadm prints it with -n; the port may be absent when `portOptional`. */
function parseEndpoint(s: string, portOptional: boolean): Endpoint {
  const hp = splitHostPort(s);
  if (!hp.ok) lineFail(`'${s}': ${hp.reason}`);
  const { host, port } = hp.value;
  const ip = checkIp(host);
  if (!ip.ok) {
    if (/[a-z]/i.test(host) && !host.includes(':')) {
      lineFail(`'${s}' is a name, not an address (save the table with ipvsadm -Ln or ipvsadm-save -n)`);
    }
    lineFail(`'${s}': ${ip.reason}`);
  }
  const ep: Endpoint = { ip: ip.value.ip, family: ip.value.family, portGiven: port !== undefined };
  if (port === undefined) {
    if (!portOptional) lineFail(`'${s}' has no port`);
    return ep;
  }
  if (port === '0') return ep;
  const p = checkPort(port);
  if (!p.ok) {
    if (/[a-z]/i.test(port)) lineFail(`port '${port}' is a name (save the table with ipvsadm -Ln or ipvsadm-save -n)`);
    lineFail(p.reason);
  }
  ep.port = p.value;
  return ep;
}

function parseUint(s: string | undefined, what: string, max: number): number {
  if (s === undefined) lineFail(`${what} is missing`);
  if (!/^[0-9]+$/.test(s) || Number(s) > max) lineFail(`${what} '${s}' is not a number 0-${max}`);
  return Number(s);
}

/** The persistence netmask, stored as text: dotted quad for IPv4, prefix length for IPv6. */
function parseMask(s: string | undefined, family: IpFamily): string {
  if (s === undefined) lineFail('netmask is missing');
  if (family === 'ipv6') {
    if (!/^[0-9]+$/.test(s) || Number(s) < 1 || Number(s) > 128) lineFail(`IPv6 netmask '${s}' is not a prefix length 1-128`);
    return String(Number(s));
  }
  const ip = checkIp(s);
  if (!ip.ok || ip.value.family !== 'ipv4') lineFail(`netmask '${s}' is not a dotted quad`);
  return ip.value.ip;
}

function newService(proto: L4Proto, ep: Endpoint): VirtualService {
  const svc: VirtualService = { vip: ep.ip, proto };
  if (ep.port !== undefined) svc.port = ep.port;
  return svc;
}

function newFwmService(mark: number, family: IpFamily): VirtualService {
  return { vip: '', proto: 'tcp', fwmark: mark, family };
}

function serviceFamily(s: VirtualService): IpFamily {
  if (s.fwmark !== undefined) return s.family ?? 'ipv4';
  return s.vip.includes(':') ? 'ipv6' : 'ipv4';
}

function addRs(svc: VirtualService, rs: ConfiguredRealServer): void {
  (svc.realServers ??= []).push(rs);
}

/** `ipvsadm -Ln`: a header, then service lines each followed by "  -> RS" lines. */
class ListParser {
  readonly services: VirtualService[] = [];
  private current: VirtualService | undefined;

  constructor(private readonly sourceName: string) {}

  line(t: string): void {
    if (/^IP Virtual Server version /.test(t)) return;
    if (t.startsWith('IPVS connection entries')) {
      lineFail('this is the connection table (ipvsadm -Lnc); give the service table (ipvsadm -Ln)');
    }
    if (t.startsWith('Timeout (tcp tcpfin udp)')) lineFail('this is ipvsadm --timeout output; give ipvsadm -Ln');
    if (t.startsWith('Prot ')) return this.title(t);
    if (t.startsWith('-> RemoteAddress')) {
      if (/TunnelInfo/.test(t)) lineFail('ipvsadm --tun-info output is not supported; give ipvsadm -Ln');
      return;
    }
    if (t.startsWith('->')) return this.dest(t);
    this.service(t);
  }

  private title(t: string): void {
    const variant = /\bConns\b/.test(t)
      ? '--stats'
      : /\bCPS\b/.test(t)
        ? '--rate'
        : /\bUthreshold\b/.test(t)
          ? '--thresholds'
          : /\bPersistConn\b/.test(t)
            ? '--persistent-conn'
            : undefined;
    if (variant !== undefined) {
      lineFail(
        `ipvsadm ${variant} output lacks the scheduler, forwarding method or weights; give plain ipvsadm -Ln (or ipvsadm-save -n) output`,
      );
    }
    if (!/^Prot LocalAddress:Port\s+Scheduler\s+Flags$/.test(t)) lineFail('unrecognised ipvsadm title line');
  }

  private service(t: string): void {
    const tok = t.split(/\s+/);
    let svc: VirtualService;
    let i: number;
    const head = tok[0]!;
    if (head === 'TCP' || head === 'UDP') {
      svc = newService(head === 'TCP' ? 'tcp' : 'udp', parseEndpoint(tok[1] ?? '', false));
      i = 2;
    } else if (head === 'FWM') {
      const mark = parseUint(tok[1], 'firewall mark', 0xffffffff);
      if (mark === 0) lineFail('firewall mark 0 is not a mark');
      const v6 = tok[2] === 'IPv6';
      svc = newFwmService(mark, v6 ? 'ipv6' : 'ipv4');
      i = v6 ? 3 : 2;
    } else if (head === 'SCTP') {
      lineFail('SCTP services are not supported (tcp and udp only)');
    } else {
      lineFail(`unrecognised line in ipvsadm -Ln output of ${this.sourceName}`);
    }
    const sched = tok[i++];
    if (sched === undefined) lineFail('the scheduler is missing');
    if (/^[0-9]+$/.test(sched)) {
      lineFail('a number where the scheduler belongs: this looks like ipvsadm --stats/--rate output; give plain ipvsadm -Ln');
    }
    if (!/^[a-z][a-z0-9_-]*$/.test(sched)) lineFail(`'${sched}' is not a scheduler name`);
    svc.scheduler = sched;
    while (i < tok.length) {
      const w = tok[i++]!;
      if (w === 'persistent') {
        svc.persistence = parseUint(tok[i++], 'persistence timeout', 0xffffffff);
      } else if (w === 'mask') {
        if (svc.persistence === undefined) lineFail("'mask' without 'persistent'");
        svc.persistenceMask = parseMask(tok[i++], serviceFamily(svc));
      } else if (w === 'pe') {
        i++; // the persistence engine (sip) does not change which RS a flow may reach
      } else if (w === 'ops' || /^\(.*\)$/.test(w)) {
        // one-packet scheduling and scheduler flags (sh-fallback, ...) do not concern forwarding
      } else {
        lineFail(`unknown service flag '${w}'`);
      }
    }
    this.services.push(svc);
    this.current = svc;
  }

  private dest(t: string): void {
    const m = /^->\s+(\S+)\s+(\S+)\s+(-?[0-9]+)\s+([0-9]+)\s+([0-9]+)$/.exec(t);
    if (m === null) lineFail('want "-> address:port Forward Weight ActiveConn InActConn"');
    if (this.current === undefined) lineFail('a real server line before any service line');
    const ep = parseEndpoint(m[1]!, false);
    const forward = LIST_FORWARD[m[2]!];
    if (forward === undefined) lineFail(`unknown forwarding method '${m[2]!}' (Route, Masq, Tunnel or Local)`);
    const rs: ConfiguredRealServer = { ip: ep.ip };
    if (ep.port !== undefined) rs.port = ep.port;
    rs.weight = parseUint(m[3], 'weight', MAX_WEIGHT);
    rs.forward = forward;
    addRs(this.current, rs);
  }
}

const LIST_FORWARD: Readonly<Record<string, ForwardMethod>> = {
  Route: 'route',
  Masq: 'masq',
  Tunnel: 'tunnel',
  Local: 'local',
};

/** Long option names to the short ones ipvsadm-save prints, so one switch handles both. */
const LONG: Readonly<Record<string, string>> = {
  '--add-service': '-A',
  '--add-server': '-a',
  '--clear': '-C',
  '--tcp-service': '-t',
  '--udp-service': '-u',
  '--sctp-service': '--sctp-service',
  '--fwmark-service': '-f',
  '--ipv6': '-6',
  '--scheduler': '-s',
  '--persistent': '-p',
  '--netmask': '-M',
  '--sched-flags': '-b',
  '--ops': '-o',
  '--real-server': '-r',
  '--gatewaying': '-g',
  '--ipip': '-i',
  '--masquerading': '-m',
  '--weight': '-w',
  '--u-threshold': '-x',
  '--l-threshold': '-y',
};

/** Options that change nothing lvs-pcap checks; the value says whether they take an argument. */
const IGNORED: Readonly<Record<string, boolean>> = {
  '-b': true,
  '--pe': true,
  '-o': false,
  '-x': true,
  '-y': true,
  '--tun-type': true,
  '--tun-port': true,
  '--tun-nocsum': false,
  '--tun-csum': false,
  '--tun-remcsum': false,
};

/** `ipvsadm-save -n`: "-A -t vip:port -s wrr ..." then "-a -t vip:port -r rip:port -g -w 3". */
class SaveParser {
  readonly services: VirtualService[] = [];
  private readonly byKey = new Map<string, VirtualService>();

  line(t: string): void {
    const tok: string[] = [];
    for (const w of t.split(/\s+/)) {
      // getopt accepts "--weight=3" as well as "--weight 3".
      const eq = w.startsWith('--') ? w.indexOf('=') : -1;
      if (eq > 0) tok.push(LONG[w.slice(0, eq)] ?? w.slice(0, eq), w.slice(eq + 1));
      else tok.push(LONG[w] ?? w);
    }
    if (tok[0] === 'ipvsadm') tok.shift();
    const cmd = tok.shift();
    if (cmd === '-C') {
      if (tok.length > 0) lineFail(`unexpected '${tok[0]!}' after -C`);
      return;
    }
    if (cmd !== '-A' && cmd !== '-a') {
      lineFail(`unsupported ipvsadm command '${cmd ?? ''}' (ipvsadm-save prints only -A and -a lines)`);
    }
    let svc: VirtualService | undefined;
    let v6Mark = false;
    let sched: string | undefined;
    let persistence: number | undefined;
    let mask: string | undefined;
    let rsText: string | undefined;
    let forward: ForwardMethod | undefined;
    let weight: number | undefined;
    for (let i = 0; i < tok.length; i++) {
      const o = tok[i]!;
      const arg = (): string => {
        const v = tok[++i];
        if (v === undefined) lineFail(`${o} needs a value`);
        return v;
      };
      const setForward = (f: ForwardMethod): void => {
        if (cmd !== '-a') lineFail(`${o} belongs on an -a (real server) line`);
        if (forward !== undefined && forward !== f) lineFail('more than one forwarding method');
        forward = f;
      };
      switch (o) {
        case '-t':
        case '-u': {
          if (svc !== undefined) lineFail('more than one service address');
          svc = newService(o === '-t' ? 'tcp' : 'udp', parseEndpoint(arg(), true));
          break;
        }
        case '-f': {
          if (svc !== undefined) lineFail('more than one service address');
          const mark = parseUint(arg(), 'firewall mark', 0xffffffff);
          if (mark === 0) lineFail('firewall mark 0 is not a mark');
          svc = newFwmService(mark, 'ipv4');
          break;
        }
        case '-q':
        case '--sctp-service':
          lineFail('SCTP services are not supported (tcp and udp only)');
          break;
        case '-6':
          v6Mark = true;
          break;
        case '-s':
          sched = arg();
          if (!/^[a-z][a-z0-9_-]*$/.test(sched)) lineFail(`'${sched}' is not a scheduler name`);
          break;
        case '-p': {
          // The timeout is optional: ipvsadm takes the next word only when it is a number.
          const next = tok[i + 1];
          persistence = next !== undefined && /^[0-9]+$/.test(next) ? parseUint(tok[++i], 'persistence timeout', 0xffffffff) : DEFAULT_PERSISTENCE;
          break;
        }
        case '-M':
          mask = arg();
          break;
        case '-r':
          rsText = arg();
          break;
        case '-g':
          setForward('route');
          break;
        case '-i':
          setForward('tunnel');
          break;
        case '-m':
          setForward('masq');
          break;
        case '-w':
          weight = parseUint(arg(), 'weight', MAX_WEIGHT);
          break;
        default: {
          const takesArg = IGNORED[o];
          if (takesArg === undefined) lineFail(`unknown option '${o}'`);
          if (takesArg) arg();
        }
      }
    }
    if (svc === undefined) lineFail('no service address (-t, -u or -f)');
    if (v6Mark) {
      if (svc.fwmark === undefined) lineFail('-6 applies to -f (fwmark) services only');
      svc.family = 'ipv6';
    }
    const key = svc.fwmark !== undefined ? `f/${svc.family}/${svc.fwmark}` : `${svc.proto}/${svc.vip}/${svc.port ?? 0}`;
    if (cmd === '-A') {
      if (rsText !== undefined || weight !== undefined) lineFail('-r/-w belong on an -a (real server) line');
      if (this.byKey.has(key)) lineFail('this service was already added');
      svc.scheduler = sched ?? DEFAULT_SCHEDULER;
      if (mask !== undefined && persistence === undefined) lineFail('-M needs -p (persistence)');
      if (persistence !== undefined) svc.persistence = persistence;
      if (mask !== undefined) svc.persistenceMask = parseMask(mask, serviceFamily(svc));
      this.byKey.set(key, svc);
      this.services.push(svc);
      return;
    }
    if (sched !== undefined || persistence !== undefined || mask !== undefined) {
      lineFail('-s/-p/-M belong on an -A (service) line');
    }
    const target = this.byKey.get(key);
    if (target === undefined) lineFail('real server for a service with no -A line before it');
    if (rsText === undefined) lineFail('no real server address (-r)');
    const ep = parseEndpoint(rsText, true);
    const rs: ConfiguredRealServer = { ip: ep.ip };
    // ipvsadm gives an RS without a port the service's port; -Ln then prints that port.
    const port = ep.portGiven ? ep.port : target.port;
    if (port !== undefined) rs.port = port;
    rs.weight = weight ?? DEFAULT_WEIGHT;
    rs.forward = forward ?? 'route';
    addRs(target, rs);
  }
}
