/**
 * `lvs-pcap topology`: what a check would infer, in words on the terminal and as a config
 * file. The config goes to stdout (or --output), the description to stderr, so
 * `lvs-pcap topology x.pcap > lvs.yaml` works; with --output the description goes to stdout.
 */
import { writeFileSync } from 'node:fs';
import { checkCaptures } from '../check/check.js';
import { topologyToConfig } from '../topology/config.js';
import { buildGivenTopology } from '../topology/build.js';
import { describeTopology, topologyFromResult } from '../report/topology-export.js';
import { UsageError } from '../topology/usage-error.js';
import { unusable, warnIssues } from './messages.js';
import { writeAll } from './output.js';
import { readText } from './check.js';
import { visible } from '../report/printable.js';

export interface TopologyArgs {
  captures: string[];
  vip: string[];
  directorMac: string[];
  rs: string[];
  ipvsadm?: string | undefined;
  config?: string | undefined;
  output: string | undefined;
}

export async function runTopology(args: TopologyArgs, warn: (line: string) => void): Promise<number> {
  const given = buildGivenTopology({
    vips: args.vip,
    directorMacs: args.directorMac,
    rs: args.rs,
    ...(args.ipvsadm !== undefined ? { ipvsadm: await readText(args.ipvsadm, '--ipvsadm') } : {}),
    ...(args.config !== undefined ? { config: await readText(args.config, '--config') } : {}),
  });
  const result = await checkCaptures(args.captures, { given, rules: [] });
  warnIssues(result, warn);
  if (unusable(result)) return 2;
  // Capture paths and notes reach the terminal: no control characters.
  const description = describeTopology(result)
    .split('\n')
    .map((line) => visible(line))
    .join('\n');
  const yaml = topologyToConfig(topologyFromResult(result));
  if (args.output !== undefined && args.output !== '-') {
    try {
      writeFileSync(args.output, yaml);
    } catch (err) {
      throw new UsageError(`--output ${args.output}: cannot write it (${(err as NodeJS.ErrnoException).code ?? 'EIO'})`);
    }
    writeAll(1, `${description}config written to ${visible(args.output)} (check --config ${visible(args.output)})\n`, () => undefined);
  } else {
    writeAll(2, description, () => undefined);
    writeAll(1, yaml, () => undefined);
  }
  return result.topology.vips.length > 0 ? 0 : 1;
}
