/**
 * Shared by the three "a real server claimed the VIP" rules: one finding per RS MAC, citing
 * every frame in which it claimed the VIP with one of the given kinds.
 */
import type { RuleContext } from './define.js';
import type { HostRef, Remediation } from '../result/result.js';
import type { AddressView, ClaimKind } from '../result/views.js';

export function reportRealServerClaims<M extends string>(
  context: RuleContext<M>,
  addresses: readonly AddressView[],
  kinds: readonly ClaimKind[],
  messageId: M,
  fix: (rs: HostRef, vip: string, firstFrame: string) => Remediation[],
): void {
  for (const address of addresses) {
    if (!address.isVip) continue;
    const byMac = new Map<string, (typeof address.sequence)[number][]>();
    for (const e of address.sequence) {
      if (!kinds.includes(e.kind) || !context.analysis.isRealServerMac(e.mac)) continue;
      const list = byMac.get(e.mac) ?? [];
      list.push(e);
      byMac.set(e.mac, list);
    }
    for (const [mac, events] of byMac) {
      const first = events[0];
      if (!first) continue;
      const rsIp = context.analysis.realServerIp(mac);
      context.report({
        messageId,
        data: {
          rs: rsIp ? `${rsIp} (${mac})` : mac,
          ...(rsIp !== undefined ? { rsIp } : {}),
          vip: address.ip,
          count: events.length,
          frame: first.frame.frame,
        },
        frames: events.map((e) => e.frame),
        mac,
        remediation: fix(context.analysis.host(mac, address.family, { ip: rsIp, unknownAs: 'real-server' }), address.ip, context.analysis.frameLabel(first.frame)),
      });
    }
  }
}
