import type { ServiceBalanceView } from './views.js';

/** "192.168.188.120:80/tcp", "[2001:db8::120]:80/tcp", "fwmark 1/tcp": how reports name a service. */
export function serviceLabel(v: Pick<ServiceBalanceView, 'vip' | 'port' | 'proto' | 'fwmark'>): string {
  if (v.fwmark !== undefined) return `fwmark ${v.fwmark}`;
  const host = v.vip.includes(':') ? `[${v.vip}]` : v.vip;
  return `${host}${v.port !== undefined ? `:${v.port}` : ''}/${v.proto}`;
}

/** A VIP of the topology: "192.168.188.120:80/tcp", "[2001:db8::120]:80/tcp", "192.168.188.120 (every port)/tcp". */
export function vipLabel(v: { ip: string; port?: number; proto: string }): string {
  if (v.port === undefined || v.port < 0) return `${v.ip} (every port)/${v.proto}`;
  return `${v.ip.includes(':') ? `[${v.ip}]` : v.ip}:${v.port}/${v.proto}`;
}

/** The service as ipvsadm selects it: "-t 192.168.188.120:80", "-u [2001:db8::120]:53", "-f 1". */
export function ipvsadmTarget(v: Pick<ServiceBalanceView, 'vip' | 'port' | 'proto' | 'fwmark'>): string {
  if (v.fwmark !== undefined) return `-f ${v.fwmark}`;
  const host = v.vip.includes(':') ? `[${v.vip}]` : v.vip;
  return `${v.proto === 'udp' ? '-u' : '-t'} ${host}:${v.port ?? 0}`;
}
