/**
 * Shared by the scheduling rules: client networks under a persistence netmask, the
 * persistence templates IPVS would create (one per client network and idle period), and the
 * shares the weights give each RS (the balance report states them too).
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

/** Expected shares from the weights: weight / sum of weights (rr: equal among weight > 0). */
export function expectedShares(view: ServiceBalanceView): Map<string, number> | undefined {
  if (!view.configured) return undefined;
  const rr = view.scheduler === 'rr';
  const weightOf = (w: number | undefined): number => (w === undefined ? 1 : rr ? (w > 0 ? 1 : 0) : Math.max(0, w));
  const total = view.realServers.reduce((n, r) => n + (r.ip !== undefined && r.weight !== undefined ? weightOf(r.weight) : 0), 0);
  if (total <= 0) return undefined;
  const shares = new Map<string, number>();
  for (const r of view.realServers) {
    if (r.ip === undefined || r.weight === undefined) continue;
    shares.set(r.mac ?? r.ip, weightOf(r.weight) / total);
  }
  return shares;
}
