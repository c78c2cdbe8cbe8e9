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

/** Everything the user told us. Every field optional: the analysis infers what is missing. */
export interface GivenTopology {
  services: VirtualService[];
  directorMacs: string[];
  realServers: RealServer[];
  /** Where the facts came from, for the report ("--vip", "ipvsadm -Ln (lvs.txt)", "config lvs.yaml"). */
  sources: string[];
}

export function emptyTopology(): GivenTopology {
  return { services: [], directorMacs: [], realServers: [], sources: [] };
}
