/**
 * `lvs-pcap topology`: the topology a check resolved (given and inferred), as a GivenTopology
 * that topologyToConfig() writes and `check --config` reads back. Only what the capture showed
 * goes in; schedulers and weights cannot be seen on the wire and are left for the user to add.
 */
import type { CheckResult } from '../result/result.js';
import type { GivenTopology } from '../topology/topology.js';
import { vipLabel } from '../result/service-label.js';

export function topologyFromResult(result: CheckResult): GivenTopology {
  const t = result.topology;
  return {
    services: t.vips.map((v) => ({ vip: v.ip, proto: v.proto, ...(v.port !== undefined && v.port >= 0 ? { port: v.port } : {}) })),
    directorMacs: t.directors.map((d) => d.mac),
    realServers: t.realServers
      .filter((r) => r.ip !== undefined || r.mac !== undefined)
      .map((r) => ({ ...(r.ip !== undefined ? { ip: r.ip } : {}), ...(r.mac !== undefined ? { mac: r.mac } : {}) })),
    sources: result.captures.map((c) => c.path),
  };
}

/** Human lines describing the topology, for the terminal. */
export function describeTopology(result: CheckResult): string {
  const t = result.topology;
  const lines: string[] = [];
  for (const v of t.vips) {
    lines.push(`VIP          ${vipLabel(v)}  [${v.source}${v.evidence ? `: ${v.evidence}` : ''}]`);
  }
  for (const d of t.directors) lines.push(`director     ${d.mac}${d.ip ? ` (${d.ip})` : ''}  [${d.source}${d.evidence ? `: ${d.evidence}` : ''}]`);
  for (const r of t.realServers) lines.push(`real server  ${r.ip ?? '?'} ${r.mac ?? ''}  [${r.source}${r.evidence ? `: ${r.evidence}` : ''}]`);
  for (const v of t.vrrp ?? []) {
    const senders = v.senders.map((s) => `${s.mac !== undefined ? `${s.mac} (${s.ip})` : s.ip} priority ${s.priorities.join(', ')}`).join('; ');
    lines.push(`vrrp         VRID ${v.vrid} ${v.addresses.join(', ')}: ${senders}`);
  }
  lines.push(`confidence   ${t.confidence}`);
  for (const c of result.captures) lines.push(`vantage      ${c.path}: ${c.vantagePoint}`);
  for (const n of t.notes) lines.push(`note         ${n}`);
  return `${lines.join('\n')}\n`;
}
