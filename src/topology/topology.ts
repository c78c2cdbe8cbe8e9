/**
 * What lvs-pcap knows about the LVS setup: given by the user (flags, ipvsadm output, config
 * file) or inferred from the capture. Addresses are kept as text in canonical form
 * ("192.168.188.120", "2001:db8::120", "00:0c:29:50:d5:63") at this level: topology objects are
 * few and long-lived; the hot path works on the numeric forms the analysis derives from them.
 */

export type L4Proto = 'tcp' | 'udp';

/**
 * A virtual service: VIP, optional port (undefined = every port), protocol; or an fwmark service.
 * For an fwmark service `vip` is '' and `proto` is 'tcp' by convention only: the firewall mark
 * decides which packets belong to it, whatever their address or protocol.
 */
export interface VirtualService {
  vip: string;
  port?: number;
  proto: L4Proto;
  /** ipvsadm fwmark service (`-f N`): VIP and port come from the traffic. */
  fwmark?: number;
  /** Address family of an fwmark service (`-f N -6`, `FWM  N IPv6`); absent = 'ipv4'. Unset for VIP services. */
  family?: 'ipv4' | 'ipv6';
  /** ipvsadm scheduler name (rr, wrr, lc, wlc, sh, ...), when known. */
  scheduler?: string;
  /** Persistence timeout in seconds (`-p T`), when configured. */
  persistence?: number;
  /** Persistence netmask (`-M`), when configured: dotted quad for IPv4, prefix length ("64") for IPv6. */
  persistenceMask?: string;
  /** Real servers configured for this service (ipvsadm/config), with weights and forwarding. */
  realServers?: ConfiguredRealServer[];
  /**
   * Named on the command line (--vip): the user expects traffic to it, so a capture that never
   * reaches it fails. A service from ipvsadm output or a config file is the director's table,
   * of which a capture may hold only part.
   */
  asserted?: boolean;
}

export type ForwardMethod = 'route' | 'masq' | 'tunnel' | 'local';

export interface ConfiguredRealServer {
  ip: string;
  port?: number;
  weight?: number;
  /**
   * ipvsadm forwarding method: 'route' (DR, -g), 'masq' (NAT, -m), 'tunnel' (-i); 'local' when
   * `ipvsadm -Ln` shows Local (the kernel's choice for an RS address on the director itself;
   * ipvsadm-save prints it as -g, so that form reads back as 'route').
   */
  forward?: ForwardMethod;
}

export interface RealServer {
  ip?: string;
  mac?: string;
}

/**
 * A keepalived `vrrp_instance`: what its adverts must say on the wire, as the director's
 * keepalived.conf configures it (after keepalived's defaults).
 */
export interface VrrpInstance {
  /** `vrrp_instance NAME`. */
  name: string;
  /** The keepalived.conf given (one per director), and where the instance is defined ("dir1.conf:12"). */
  config: string;
  where: string;
  /** `virtual_router_id`. */
  vrid: number;
  /** Adverts' version: the instance's `version`, else global_defs' `vrrp_version`, else 2 (3 for IPv6). */
  version: 2 | 3;
  family: 'ipv4' | 'ipv6';
  /** Initial `state`. */
  state: 'MASTER' | 'BACKUP';
  /** Base `priority` (255 for a MASTER without one, else 100). */
  priority: number;
  /**
   * The priorities its adverts may carry: the base priority moved by the tracking weights
   * (track_script, track_interface, track_process, track_bfd), 1-254 (255 stays 255); null
   * when a weight is read at run time (track_file), so any priority may appear.
   */
  priorityRange: [number, number] | null;
  /** `advert_int` in centiseconds. */
  advertIntervalCentis: number;
  /** `virtual_ipaddress` addresses: the ones the adverts carry, canonical text. */
  vips: string[];
  /** `virtual_ipaddress_excluded`: held by the MASTER, not in the adverts. */
  excludedVips: string[];
  /** `interface`, when set. */
  interface?: string;
  /** `unicast_peer` addresses: adverts go to each of them instead of the multicast group. */
  unicastPeers: string[];
  /** `unicast_src_ip` / `mcast_src_ip`: the adverts' source address, when set. */
  sourceIp?: string;
  /** `authentication { auth_type }` (version 2 only). */
  authType: 'none' | 'PASS' | 'AH';
  /** `nopreempt`: a higher priority does not take over from a live MASTER. */
  nopreempt: boolean;
}

/** Everything the user told us. Every field optional: the analysis infers what is missing. */
export interface GivenTopology {
  services: VirtualService[];
  directorMacs: string[];
  realServers: RealServer[];
  /** Where the facts came from, for the report ("--vip", "ipvsadm -Ln (lvs.txt)", "config lvs.yaml"). */
  sources: string[];
  /** The VRRP instances of the keepalived.conf files given (--keepalived), in file order. */
  vrrpInstances?: VrrpInstance[];
}

export function emptyTopology(): GivenTopology {
  return { services: [], directorMacs: [], realServers: [], sources: [] };
}
