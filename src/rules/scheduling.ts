/**
 * Shared by the scheduling rules: client networks under a persistence netmask, and the
 * persistence templates IPVS would create (one per client network and idle period).
 */
import type { NewConnection, ServiceBalanceView } from '../result/views.js';

/** The client's network under a persistence mask (IPv4 dotted mask or IPv6 prefix length). */
export function clientNetwork(ip: string, mask: string | undefined): string {
  if (mask === undefined) return ip;
  if (!ip.includes(':')) {
    const m = mask.split('.').map(Number);
    return ip
      .split('.')
      .map((o, i) => Number(o) & (m[i] ?? 255))
      .join('.');
  }
  const bits = Number(mask);
  const groups = ip.split(':');
  const keep = Math.ceil(bits / 16);
  return groups.slice(0, keep).join(':') + `/${bits}`;
}

/** Connections that opened a new persistence template: the only ones the scheduler decided. */
export function templates(v: ServiceBalanceView): NewConnection[] {
  const timeout = v.persistence ?? 0;
  const last = new Map<string, number>();
  const out: NewConnection[] = [];
  for (const c of v.connections) {
    const net = clientNetwork(c.client, v.persistenceMask);
    const prev = last.get(net);
    if (prev === undefined || c.time - prev > timeout) out.push(c);
    last.set(net, c.time);
  }
  return out;
}
