/**
 * What a fix command must be, for the programs a real shell cannot try without changing a real
 * host: ipvsadm (this machine's kernel has no IPVS, and ipvsadm opens the kernel's table before
 * it parses a word) and the IPVS sysctls. Written from ipvsadm(8) (ipvsadm 1.31) and the
 * kernel's Documentation/networking/ipvs-sysctl.rst; strict: whatever they do not describe fails.
 */

/** Scheduling methods of ipvsadm(8). */
const SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh']);

/** The net.ipv4.vs.* keys of ipvs-sysctl.rst. */
export const IPVS_SYSCTLS = new Set(
  [
    'am_droprate',
    'amemthresh',
    'backup_only',
    'conn_reuse_mode',
    'conntrack',
    'cache_bypass',
    'debug_level',
    'drop_entry',
    'drop_packet',
    'est_cpulist',
    'est_nice',
    'expire_nodest_conn',
    'expire_quiescent_template',
    'ignore_tunneled',
    'nat_icmp_send',
    'pmtu_disc',
    'run_estimation',
    'schedule_icmp',
    'secure_tcp',
    'sloppy_sctp',
    'sloppy_tcp',
    'snat_reroute',
    'sync_persist_mode',
    'sync_ports',
    'sync_qlen_max',
    'sync_refresh_period',
    'sync_retries',
    'sync_sock_size',
    'sync_threshold',
    'sync_version',
  ].map((k) => `net.ipv4.vs.${k}`),
);

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const IPV6 = /^[0-9a-f:]+$/i;

function port(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= 65535;
}

/**
 * host[:port] as ipvsadm reads a service or real server address: a dotted quad, or an IPv6
 * address in brackets (unbracketed, "2001:db8::120:80" would read as an address).
 */
export function ipvsAddress(text: string): string | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) {
    if (!IPV6.test(v6[1]!) || !v6[1]!.includes(':')) return `${text}: not an IPv6 address in brackets`;
    if (v6[2] !== undefined && !port(v6[2])) return `${text}: bad port`;
    return undefined;
  }
  if (text.includes('[') || text.split(':').length > 2) return `${text}: an IPv6 address must be in brackets`;
  const [host = '', p] = text.split(':');
  if (!IPV4.test(host)) return `${text}: not a dotted-quad address`;
  if (p !== undefined && !port(p)) return `${text}: bad port`;
  return undefined;
}

/** Problems of one ipvsadm command line (empty: it parses). */
export function ipvsadmProblems(command: string): string[] {
  const words = command.trim().split(/\s+/);
  const problems: string[] = [];
  if (words.shift() !== 'ipvsadm') return ['not an ipvsadm command'];
  let op: string | undefined;
  let service = false;
  let server = false;
  let forward = 0;
  let fwmark = false;
  const setOp = (o: string): void => {
    if (op !== undefined) problems.push(`two commands: ${op} and ${o}`);
    op = o;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = (): string => {
      const v = words[++i];
      if (v === undefined) problems.push(`${w} needs a value`);
      return v ?? '';
    };
    if (/^-[AEDaedCZ]$/.test(w)) setOp(w);
    else if (/^-[Ll]n?c?$/.test(w) || w === '-Ln' || w === '-Lnc') setOp('-L');
    else if (w === '-n' || w === '--stats' || w === '--rate' || w === '--exact' || w === '-c') {
      if (op !== '-L') problems.push(`${w} only lists`);
    } else if (w === '-t' || w === '-u') {
      const p = ipvsAddress(next());
      if (p) problems.push(p);
      service = true;
    } else if (w === '-f') {
      const v = next();
      if (!/^[1-9]\d*$/.test(v)) problems.push(`-f ${v}: a firewall mark is an integer above zero`);
      service = true;
      fwmark = true;
    } else if (w === '-6') {
      if (!fwmark) problems.push('-6 belongs to a fwmark service (-f N -6)');
    } else if (w === '-r') {
      const v = next();
      const p = ipvsAddress(v);
      if (p) problems.push(p);
      server = true;
    } else if (w === '-g' || w === '-i' || w === '-m') forward++;
    else if (w === '-w') {
      const v = next();
      if (!/^\d+$/.test(v)) problems.push(`-w ${v}: a weight is a whole number`);
    } else if (w === '-s') {
      const v = next();
      if (!SCHEDULERS.has(v)) problems.push(`-s ${v}: no such scheduler`);
    } else if (w === '-p') {
      if (words[i + 1] !== undefined && /^\d+$/.test(words[i + 1]!)) i++;
    } else if (w === '-M') {
      const v = next();
      if (!IPV4.test(v) && !(/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= 128)) problems.push(`-M ${v}: a netmask or an IPv6 prefix length`);
    } else problems.push(`unknown word ${w}`);
  }
  if (op === undefined) problems.push('no command (-A, -E, -a, -e, -d, -L ...)');
  if (forward > 1) problems.push('more than one forwarding method');
  if ((op === '-A' || op === '-E' || op === '-D') && !service) problems.push(`${op} needs a virtual service`);
  if ((op === '-a' || op === '-e' || op === '-d') && (!service || !server)) problems.push(`${op} needs a virtual service and -r`);
  if ((op === '-A' || op === '-E' || op === '-D' || op === '-L') && server) problems.push(`${op} takes no -r`);
  if (fwmark && server && words.some((x) => x.startsWith('[')) && !words.includes('-6')) problems.push('a fwmark service of IPv6 real servers needs -6');
  return problems;
}
