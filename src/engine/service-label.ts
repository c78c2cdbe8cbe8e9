import type { ServiceBalanceView } from './views.js';

/** "192.168.188.120:80/tcp", "[2001:db8::120]:80/tcp", "fwmark 1/tcp": how reports name a service. */
export function serviceLabel(v: Pick<ServiceBalanceView, 'vip' | 'port' | 'proto' | 'fwmark'>): string {
  if (v.fwmark !== undefined) return `fwmark ${v.fwmark}`;
  const host = v.vip.includes(':') ? `[${v.vip}]` : v.vip;
  return `${host}${v.port !== undefined ? `:${v.port}` : ''}/${v.proto}`;
}
