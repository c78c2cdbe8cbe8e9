import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCaptures } from '../../src/check/check.js';
import { parseConfig, topologyToConfig } from '../../src/topology/config.js';
import { topologyFromResult } from '../../src/report/topology-export.js';
import { FIXTURES, actualFindings } from './fixture-expectations.js';

describe('lvs-pcap topology writes a config that check --config accepts', () => {
  it('the seed topology inferred from a healthy mirror capture, with no flags at all', async () => {
    const r = await checkCaptures([join(FIXTURES, 'healthy', 'bridge.pcap')]);
    expect(r.topology.vips.map((v) => `${v.ip}:${v.port}/${v.proto}`).sort()).toEqual(['192.168.188.120:53/udp', '192.168.188.120:80/tcp']);
    expect(r.topology.directors.map((d) => [d.mac, d.ip])).toEqual([['00:0c:29:50:d5:63', '192.168.188.108']]);
    expect(r.topology.realServers.map((x) => [x.ip, x.mac]).sort()).toEqual([
      ['192.168.188.107', '00:0c:29:e4:4d:1f'],
      ['192.168.188.110', '00:0c:29:2c:a5:a0'],
    ]);
    expect(r.topology.confidence).toBe('high');
  });

  it('round trip: topology of a capture -> YAML -> --config gives the same findings', async () => {
    const capture = join(FIXTURES, 'arp-announce-0', 'bridge.pcap');
    const inferred = await checkCaptures([capture]);
    const yaml = topologyToConfig(topologyFromResult(inferred));
    const given = parseConfig(yaml, 'lvs.yaml');
    expect(given.directorMacs).toEqual(['00:0c:29:50:d5:63']);
    const withConfig = await checkCaptures([capture], { given });
    expect(actualFindings(withConfig)).toEqual(actualFindings(inferred));
    expect(withConfig.topology.vips.every((v) => v.source === 'given')).toBe(true);
  });
});
