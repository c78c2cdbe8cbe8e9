/**
 * Reads the lab's fixture descriptions (fixtures/<scenario>/<capture>.json, written by
 * fixtures/lab/expect.py from what tshark shows in each capture) and compares a CheckResult
 * with them. Flow rules cite one frame per flow (the one that proves it); address rules cite
 * every frame that shows the claim, so those are compared whole.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CheckResult } from '../../src/result/result.js';
import type { GivenTopology } from '../../src/topology/topology.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures');

export interface FixtureDescription {
  scenario: string;
  vantagePoint: string;
  capture: { file: string; frames: number; container: string; gzip: boolean; nanosecond: boolean; linkType: number };
  topology: {
    vips: { ip: string; port?: number; proto: 'tcp' | 'udp' }[];
    directors: { ip?: string; mac: string }[];
    realServers: { ip?: string; mac?: string }[];
    /** Hosts sending the traffic (routed scenarios: their addresses on the client LAN). */
    clients?: { ip: string; mac: string }[];
    /** Routed scenarios: the router's leg on the LVS segment, and its leg on the client LAN. */
    routers?: { ip: string; mac: string; clientSide: { ip: string; mac: string; subnet: string } }[];
  };
  /** What the lab configured; `keepalived`: each director's keepalived.conf (beside the capture), for the keepalived scenarios. */
  configured?: { keepalived?: { files: string[]; instances?: { file: string; vrid: number }[] }; changes?: unknown[] };
  /** Whether the VIP can be told from the capture alone (copies, a shared address served, an asymmetric L2 path). */
  inference: { possible: boolean; why: string };
  /** What the frames show about the capture point: the MACs present in every unicast frame (none: a mirror). */
  vantageEvidence?: { kind: string; macsInEveryUnicastFrame?: string[]; unicastFrames?: number; frames?: number[] };
  expected: {
    verdict: 'pass' | 'fail' | 'no-traffic';
    flows: number;
    findings: { rule: string; severity: string; frames: number[]; address?: string }[];
  };
}

export interface Fixture {
  name: string;
  descriptionPath: string;
  capturePath: string;
  description: FixtureDescription;
}

/**
 * Every described capture under fixtures/ (the lab's own folder excluded); with `withIpvs`, also
 * the real-IPVS captures under fixtures/ipvs/<scenario>/, named "ipvs/<scenario>/<capture>".
 */
export function listFixtures(options: { root?: string; withIpvs?: boolean } = {}): Fixture[] {
  const root = options.root ?? FIXTURES;
  const out: Fixture[] = [];
  for (const dir of readdirSync(root).sort()) {
    const d = join(root, dir);
    if (dir === 'lab' || !statSync(d).isDirectory()) continue;
    if (dir === 'ipvs') {
      if (options.withIpvs) out.push(...listFixtures({ root: d }).map((f) => ({ ...f, name: `ipvs/${f.name}` })));
      continue;
    }
    for (const file of readdirSync(d).sort()) {
      if (!file.endsWith('.json')) continue;
      const description = JSON.parse(readFileSync(join(d, file), 'utf8')) as FixtureDescription;
      if (!description.capture || !description.expected) continue;
      out.push({ name: `${dir}/${file.replace(/\.json$/, '')}`, descriptionPath: join(d, file), capturePath: join(d, description.capture.file), description });
    }
  }
  return out;
}

export const FLOW_RULES = new Set([
  'director-l2-only',
  'flow-affinity',
  'forwarded-to-known-rs',
  'not-forwarded',
  'reply-src-vip',
  'reply-direct',
  'no-reply',
  'client-bypass',
]);

/** The topology a description states, as the flags would give it. */
export function givenFrom(d: FixtureDescription): GivenTopology {
  return {
    services: d.topology.vips.map((v) => ({ vip: v.ip, proto: v.proto, ...(v.port !== undefined ? { port: v.port } : {}) })),
    directorMacs: d.topology.directors.map((x) => x.mac),
    realServers: d.topology.realServers.map((r) => ({ ...(r.ip ? { ip: r.ip } : {}), ...(r.mac ? { mac: r.mac } : {}) })),
    sources: ['fixture description'],
  };
}

/** Rules that judge the capture against keepalived.conf: without --keepalived they have nothing to judge against. */
export const KEEPALIVED_RULES = new Set(['vrrp-config']);

/**
 * Findings as comparable strings: "rule@frame" for flow rules, "rule@f1,f2,..." for address
 * rules. `keepalived: false` leaves out the findings only the keepalived.conf files can give.
 */
export function expectedFindings(d: FixtureDescription, options: { keepalived?: boolean } = {}): string[] {
  const keepalived = options.keepalived ?? false;
  return d.expected.findings.filter((f) => keepalived || !KEEPALIVED_RULES.has(f.rule)).map((f) => key(f.rule, f.frames)).sort();
}

/** The keepalived.conf files beside a fixture's capture, when the lab ran keepalived. */
export function keepalivedFiles(fx: Fixture): string[] {
  return (fx.description.configured?.keepalived?.files ?? []).map((f) => join(dirname(fx.capturePath), f));
}

export function actualFindings(r: CheckResult): string[] {
  return r.findings.map((f) => key(f.rule, f.frames.map((x) => x.frame))).sort();
}

function key(rule: string, frames: number[]): string {
  if (FLOW_RULES.has(rule)) return `${rule}@${frames[0] ?? '-'}`;
  return `${rule}@${[...frames].sort((a, b) => a - b).join(',')}`;
}
