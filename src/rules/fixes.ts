/**
 * The fixes rules hand out, as data: one host, the commands to run there, and why. Every
 * command here is valid as printed for its address family (`ip -6`, `net.ipv6.conf.*`,
 * `[addr]:port` for ipvsadm) and idempotent where Linux allows it (`replace`, `flush`), so a
 * fix applied twice, or on a host that already has half of it, does not fail. A value the
 * capture cannot show is a placeholder in words, which a shell refuses to run as it stands.
 */
import type { HostRef, Remediation } from '../result/result.js';
export { hostText } from '../result/hosts.js';
import type { L4Proto } from '../topology/topology.js';

/** Placeholders, for values no capture shows. */
export const ROUTER_PLACEHOLDER = "<your router's address>";

export const SYSCTL_FILE = '/etc/sysctl.d/90-lvs-dr.conf';

const isV6 = (ip: string): boolean => ip.includes(':');

/** "192.168.188.107", "[2001:db8::107]": an address as ipvsadm reads one with a port. */
function ipvsHost(ip: string): string {
  return isV6(ip) ? `[${ip}]` : ip;
}

/** The service as ipvsadm selects it: "-t 192.168.188.120:80", "-u [2001:db8::120]:53". */
export function ipvsService(vip: string, port: number, proto: L4Proto): string {
  return `${proto === 'udp' ? '-u' : '-t'} ${ipvsHost(vip)}:${port}`;
}

/** A real server as ipvsadm names it: "192.168.188.107:80", "[2001:db8::107]:80". */
export function ipvsServer(ip: string, port: number): string {
  return `${ipvsHost(ip)}:${port}`;
}

/**
 * arp_ignore=1 (answer ARP only for addresses on the receiving interface, so never for the VIP
 * on lo) and arp_announce=2 (use the interface's own address as ARP sender, never the VIP). The
 * kernel uses the larger of `all` and the interface's value for both, so `all` is enough.
 */
export function arpSysctls(host: HostRef, why: string): Remediation {
  return {
    id: 'rs-arp-sysctls',
    host,
    commands: ['sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2'],
    persist: { file: SYSCTL_FILE, lines: ['net.ipv4.conf.all.arp_ignore = 1', 'net.ipv4.conf.all.arp_announce = 2'] },
    why,
  };
}

/** The VIP on lo of a real server, so it accepts the director's copies (IPv4: with the ARP sysctls first). */
export function vipOnLo(host: HostRef, vip: string, why: string): Remediation {
  return {
    id: 'vip-on-lo',
    host,
    commands: [isV6(vip) ? `ip -6 addr replace ${vip}/128 dev lo` : `ip addr replace ${vip}/32 dev lo`],
    why,
  };
}

/**
 * IPv6 has no arp_ignore: Linux answers Neighbor Solicitations for the addresses of the
 * receiving interface, so the VIP must be on lo alone. `flush to VIP/128` removes it from
 * whichever interface carries it (the name is not in the capture), then it goes back on lo.
 */
export function vip6ToLo(host: HostRef, vip: string, why: string): Remediation {
  return {
    id: 'vip6-to-lo',
    host,
    commands: [`ip -6 addr flush to ${vip}/128`, `ip -6 addr replace ${vip}/128 dev lo`],
    why,
  };
}

/** IPv6 answerer of unknown role: moving the VIP to lo would silence the director, if it is the director. */
export function unknownV6(host: HostRef, vip: string, frame: string): Remediation {
  return {
    id: 'vip6-to-lo',
    host,
    commands: [],
    manual: `unless it is the director, put ${vip} on its lo only: ip -6 addr flush to ${vip}/128; ip -6 addr replace ${vip}/128 dev lo`,
    why: `it answers Neighbor Solicitations for ${vip} (${frame}) along with other hosts; the capture does not show which of them is the director`,
  };
}

/** Forget a poisoned neighbour entry for the VIP, so the next packet asks again. */
export function flushVipNeighbour(host: HostRef, vip: string, why: string): Remediation {
  return { id: 'flush-vip-neighbour', host, commands: [isV6(vip) ? `ip -6 neigh flush to ${vip}` : `ip neigh flush to ${vip}`], why };
}

/**
 * Replies of a real server leave by the route to the client. Behind a router the RS's default
 * route must point at that router; a client on the segment must be reached directly, so the
 * more specific route that sends it via the director goes.
 */
export function routeReplies(rs: HostRef, gateway: HostRef, clientIp: string, directorIp: string | undefined): Remediation {
  const ip = isV6(clientIp) ? 'ip -6' : 'ip';
  if (gateway.role === 'router') {
    const via = gateway.ip ?? ROUTER_PLACEHOLDER;
    return {
      id: 'route-replies',
      host: rs,
      commands: [`${ip} route replace default via ${via}`],
      why: `its replies to ${clientIp} go to the director instead of the clients' router (${gateway.ip ?? gateway.mac ?? 'its address is not in the capture'})`,
    };
  }
  const prefix = `${clientIp}/${isV6(clientIp) ? 128 : 32}`;
  return {
    id: 'route-replies',
    host: rs,
    commands: [`${ip} route del ${prefix}${directorIp !== undefined ? ` via ${directorIp}` : ''}`],
    why: `its replies to ${clientIp}, a client on its own segment, go to the director: a route sends that client via the director; without it the client is reached directly`,
  };
}

/** Switch real servers of a service to direct routing on the director (IPVS `-g`). */
export function directRouting(director: HostRef, vip: string, port: number, proto: L4Proto, rsIp: string, rsPort: number, why: string): Remediation {
  return {
    id: 'director-dr-mode',
    host: director,
    commands: [`ipvsadm -e ${ipvsService(vip, port, proto)} -r ${ipvsServer(rsIp, rsPort)} -g`],
    why,
  };
}

/** A service on a real server must answer from VIP:port: a change in its configuration, no command. */
export function serviceOnVip(rs: HostRef, vip: string, port: number, proto: L4Proto, why: string): Remediation {
  const where = `${proto.toUpperCase()} port ${port}`;
  const manual =
    proto === 'udp'
      ? `bind the service on ${where} to ${vip} (a UDP socket bound to ${isV6(vip) ? '::' : '0.0.0.0'} answers from the address the route picks, not the VIP), or make it answer from the address each request was sent to (IP_PKTINFO)`
      : `make the service on ${where} listen on ${vip}, or on every address`;
  return { id: 'service-on-vip', host: rs, commands: [], manual, why };
}

/** What a configured service says, for re-asserting it on a director. */
export interface ConfiguredService {
  vip: string;
  port?: number;
  proto: L4Proto;
  fwmark?: number;
  scheduler?: string;
  persistence?: number;
  persistenceMask?: string;
  realServers: { ip?: string; weight?: number }[];
}

/** "-t 192.168.188.120:80", "-u [2001:db8::120]:53", "-f 1": the service as ipvsadm selects it. */
export function ipvsTarget(v: Pick<ConfiguredService, 'vip' | 'port' | 'proto' | 'fwmark'>): string {
  // ipvsadm(8): a fwmark service of IPv6 addresses needs -6.
  if (v.fwmark !== undefined) return `-f ${v.fwmark}${isV6(v.vip) ? ' -6' : ''}`;
  return ipvsService(v.vip, v.port ?? 0, v.proto);
}

/** A real server of a service as ipvsadm names it: with the service's port, none for fwmark services. */
function ipvsServerOf(v: Pick<ConfiguredService, 'port' | 'fwmark'>, ip: string): string {
  return v.fwmark !== undefined || v.port === undefined ? ipvsHost(ip) : ipvsServer(ip, v.port);
}

/**
 * The service as configured, written again on the director: ipvsadm -E sets scheduler and
 * persistence together (what it is not given returns to the default), -e each real server's
 * weight. What the capture shows is the table in force; what was given is the one intended.
 */
export function reassertService(director: HostRef, v: ConfiguredService, why: string): Remediation {
  const target = ipvsTarget(v);
  const persistent = v.persistence !== undefined ? ` -p ${v.persistence}${v.persistenceMask !== undefined ? ` -M ${v.persistenceMask}` : ''}` : '';
  const commands = v.scheduler !== undefined ? [`ipvsadm -E ${target} -s ${v.scheduler}${persistent}`] : [];
  for (const rs of v.realServers) {
    if (rs.ip === undefined || rs.weight === undefined) continue;
    commands.push(`ipvsadm -e ${target} -r ${ipvsServerOf(v, rs.ip)} -g -w ${rs.weight}`);
  }
  return { id: 'reassert-service', host: director, commands, why };
}

/** One real server's weight set on the director (0 drains it). */
export function setWeight(director: HostRef, v: ConfiguredService, rsIp: string, weight: number, why: string): Remediation {
  return { id: 'set-weight', host: director, commands: [`ipvsadm -e ${ipvsTarget(v)} -r ${ipvsServerOf(v, rsIp)} -g -w ${weight}`], why };
}

/** keepalived reads its configuration again on SIGHUP; `--config-test` first, so a typo does not stop it. */
export const KEEPALIVED_RELOAD = 'keepalived --config-test && systemctl reload keepalived';

/**
 * A VRRP advert's sender as a host: its MAC, and its address when that is one the topology can
 * name (an IPv6 advert comes from the link-local address, which is no host's address elsewhere).
 */
export function vrrpSender(host: (mac: string | undefined, family: 4 | 6, options?: { ip?: string | undefined; unknownAs?: HostRef['role'] }) => HostRef, mac: string | undefined, ip: string): HostRef {
  const v6 = isV6(ip);
  return host(mac, v6 ? 6 : 4, { ...(v6 && /^fe80:/i.test(ip) ? {} : { ip }), unknownAs: 'director' });
}

/** A change in a director's keepalived.conf, then a reload: no command can say which line, so it is a step by hand. */
export function keepalivedConf(id: string, director: HostRef, change: string, why: string): Remediation {
  return { id, host: director, commands: [], manual: `in /etc/keepalived/keepalived.conf: ${change}; then ${KEEPALIVED_RELOAD}`, why };
}

/**
 * VRRP (IP protocol 112) from the peer let in by the director's firewall. The table and chain
 * names are the host's own, so the rule is a step by hand, in nft and iptables form.
 */
export function allowVrrp(director: HostRef, peerIp: string, destination: string, why: string): Remediation {
  const nft = isV6(peerIp) ? `ip6 saddr ${peerIp} meta l4proto vrrp accept` : `ip saddr ${peerIp} ip protocol vrrp accept`;
  const ipt = isV6(peerIp) ? `ip6tables -I INPUT -s ${peerIp} -p vrrp -j ACCEPT` : `iptables -I INPUT -s ${peerIp} -p vrrp -j ACCEPT`;
  return {
    id: 'allow-vrrp',
    host: director,
    commands: [],
    manual: `let VRRP from ${peerIp} to ${destination} in: nft insert rule <family> <table> <input chain> ${nft} (iptables: ${ipt}); on a switch, let the multicast group ${destination} through`,
    why,
  };
}

/**
 * The VIP taken off a director that holds it without keepalived: `flush to` removes it from
 * whichever interface carries it and does nothing where it is absent.
 */
export function dropVip(director: HostRef, vip: string, why: string): Remediation {
  return { id: 'drop-stale-vip', host: director, commands: [isV6(vip) ? `ip -6 addr flush to ${vip}/128` : `ip addr flush to ${vip}/32`], why };
}
/**
 * A real server slower or lossier than its peers: nothing in the capture says why (load, a
 * NIC, a qdisc, the path), so the fix is where to look on it, read-only commands that need no
 * interface name the capture cannot show, and the drain as a step by hand.
 */
export function lookAtServer(rs: HostRef, why: string): Remediation {
  return {
    id: 'rs-health-look',
    host: rs,
    commands: ['ip -s link show', 'tc -s qdisc show', 'ss -tin state established'],
    manual:
      'look for drops and errors on the interface facing the director (ethtool -S with its name), a netem or shaping qdisc, retransmits per socket, and the load; to spare its clients meanwhile, give it weight 0 on the director (ipvsadm -e ... -w 0, or keepalived weight 0)',
    why,
  };
}
