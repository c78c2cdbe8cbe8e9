/**
 * Scheduling as configured, on captures of real IPVS (Debian's 6.1 kernel under QEMU, see
 * fixtures/ipvs/README.md): each fixture gives exactly its described findings and per-RS new
 * connection counts, from `ipvsadm -Ln` output, from `ipvsadm-save -n` output, and from a
 * config file — and without any scheduling information, no scheduling finding at all.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { parseConfig, topologyToConfig } from '../../src/topology/config.js';
import { buildGivenTopology } from '../../src/topology/build.js';
import { actualFindings, expectedFindings, FIXTURES, KEEPALIVED_RULES, type FixtureDescription } from './fixture-expectations.js';
import { orSkipped } from '../support/skip.js';

const IPVS = join(FIXTURES, 'ipvs');
const SCHEDULING = new Set(['rs-share', 'persistence', 'quiesced-rs']);

interface IpvsDescription extends FixtureDescription {
  expected: FixtureDescription['expected'] & {
    balance?: { vip: string; port: number; proto: string; realServers: { ip: string; newConnections: number }[] }[];
  };
}

function fixtures(): { name: string; dir: string; base: string; d: IpvsDescription }[] {
  if (!existsSync(IPVS)) return [];
  const out = [];
  for (const name of readdirSync(IPVS).sort()) {
    const dir = join(IPVS, name);
    if (!existsSync(join(dir, 'bridge.json'))) continue;
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
      const base = f.replace(/\.json$/, '');
      if (!existsSync(join(dir, `${base}.ipvsadm-Ln.txt`))) continue;
      out.push({ name: `${name}/${base}`, dir, base, d: JSON.parse(readFileSync(join(dir, f), 'utf8')) as IpvsDescription });
    }
  }
  return out;
}

const all = fixtures();

describe.skipIf(all.length === 0)(orSkipped('real IPVS scheduling fixtures', all.length === 0 ? 'no fixtures/ipvs/*/ capture' : undefined), () => {
  for (const fx of all) {
    const capture = join(fx.dir, fx.d.capture.file);
    const ln = readFileSync(join(fx.dir, `${fx.base}.ipvsadm-Ln.txt`), 'utf8');
    const save = readFileSync(join(fx.dir, `${fx.base}.ipvsadm-save.txt`), 'utf8');
    const fromLn = buildGivenTopology({ ipvsadm: { text: ln, source: 'ipvsadm-Ln.txt' } });
    const forms = {
      'ipvsadm -Ln': fromLn,
      'ipvsadm-save -n': buildGivenTopology({ ipvsadm: { text: save, source: 'ipvsadm-save.txt' } }),
      config: parseConfig(topologyToConfig(fromLn), 'lvs.yaml'),
    };
    for (const [form, given] of Object.entries(forms)) {
      it(`${fx.name}: from ${form}`, async () => {
        const r = await checkCaptures([capture], { given });
        expect(actualFindings(r)).toEqual(expectedFindings(fx.d));
        expect(r.verdict).toBe(fx.d.expected.verdict);
        for (const b of fx.d.expected.balance ?? []) {
          const svc = r.services.find((s) => s.vip === b.vip && s.port === b.port && s.proto === b.proto);
          expect(svc, `service ${b.vip}:${b.port}/${b.proto}`).toBeDefined();
          const seen = Object.fromEntries(svc!.realServers.map((x) => [x.ip, x.newConnections]));
          expect(seen).toEqual(Object.fromEntries(b.realServers.map((x) => [x.ip, x.newConnections])));
        }
      });
    }
    const keepalived = (fx.d.configured?.keepalived?.files ?? []).map((f) => join(fx.dir, f));
    if (keepalived.length > 0) {
      it(`${fx.name}: keepalived.conf and the ipvsadm -Ln keepalived built from it give the same findings`, async () => {
        // The table as keepalived built it, before any health check changed a weight.
        const built = [`${fx.base}.ipvsadm-Ln.before-w0.txt`, `${fx.base}.ipvsadm-Ln.txt`].find((f) => existsSync(join(fx.dir, f)))!;
        const fromTable = await checkCaptures([capture], { given: buildGivenTopology({ ipvsadm: { text: readFileSync(join(fx.dir, built), 'utf8'), source: built } }) });
        const fromKeepalived = await checkCaptures([capture], { given: buildGivenTopology({ keepalived }) });
        expect(actualFindings(fromKeepalived).filter((k) => !KEEPALIVED_RULES.has(k.split('@')[0]!))).toEqual(actualFindings(fromTable));
        expect(fromKeepalived.services).toEqual(fromTable.services);
        expect(fromKeepalived.flows).toEqual(fromTable.flows);
        // Besides, keepalived.conf gives exactly the findings that need it.
        expect(actualFindings(fromKeepalived).filter((k) => KEEPALIVED_RULES.has(k.split('@')[0]!))).toEqual(
          expectedFindings(fx.d, { keepalived: true }).filter((k) => KEEPALIVED_RULES.has(k.split('@')[0]!)),
        );
      });
    }
    it(`${fx.name}: without scheduling information, no scheduling finding (the distribution is still reported)`, async () => {
      const r = await checkCaptures([capture]);
      expect(r.findings.filter((f) => SCHEDULING.has(f.rule))).toEqual([]);
      expect(r.services.every((s) => s.verdict === 'observed')).toBe(true);
    });
  }
});
