/**
 * What the user gave (flags, config file, ipvsadm output) as one GivenTopology. Apart from
 * given.ts because config.ts and ipvsadm.ts read their values with given.ts's parsers: given.ts
 * calling them back would close an import cycle.
 */
import { parseConfig } from './config.js';
import { givenByFlags, mergeGiven, type GivenInputs } from './given.js';
import { parseIpvsadm } from './ipvsadm.js';
import { keepalivedTopology, parseKeepalived } from './keepalived/parse.js';
import type { GivenTopology } from './topology.js';

/** The flags, then the config file, then each keepalived.conf, then the ipvsadm output, merged by mergeGiven. */
export function buildGivenTopology(inputs: GivenInputs): GivenTopology {
  const layers: GivenTopology[] = [];
  layers.push(givenByFlags(inputs));
  if (inputs.config !== undefined) layers.push(parseConfig(inputs.config.text, inputs.config.source));
  for (const path of inputs.keepalived ?? []) layers.push(keepalivedTopology(parseKeepalived(path)));
  if (inputs.ipvsadm !== undefined) {
    const p = parseIpvsadm(inputs.ipvsadm.text, inputs.ipvsadm.source);
    layers.push({ services: p.services, directorMacs: [], realServers: [], sources: [p.label] });
  }
  return mergeGiven(layers);
}
