/**
 * `lvs-pcap topology`: what a check would infer, in words on the terminal and as a config
 * file. The config goes to stdout (or --output), the description to stderr, so
 * `lvs-pcap topology x.pcap > lvs.yaml` works; with --output the description goes to stdout.
 */
import { checkCaptures } from '../check/check.js';
import { topologyToConfig } from '../topology/config.js';
import { describeTopology, topologyFromResult } from '../report/topology-export.js';
import { unusable, warnIssues } from './messages.js';
import { givenFromArgs } from './check.js';
import { writeAll } from './output.js';
import { isWriteError, prepareOutputs, writeReason } from './output-files.js';
import { visible } from '../report/printable.js';

export interface TopologyArgs {
  captures: string[];
  vip: string[];
  directorMac: string[];
  rs: string[];
  ipvsadm?: string | undefined;
  config?: string | undefined;
  keepalived?: string[];
  output: string | undefined;
}

export async function runTopology(args: TopologyArgs, warn: (line: string) => void): Promise<number> {
  const given = await givenFromArgs(args);
  const toFile = args.output !== undefined && args.output !== '-';
  const inputs = [
    ...args.captures.map((c) => ({ what: `the capture ${c}`, path: c })),
    ...(args.ipvsadm !== undefined ? [{ what: `the --ipvsadm file ${args.ipvsadm}`, path: args.ipvsadm }] : []),
    ...(args.config !== undefined ? [{ what: `the --config file ${args.config}`, path: args.config }] : []),
    ...(args.keepalived ?? []).map((k) => ({ what: `the --keepalived file ${k}`, path: k })),
  ];
  // Checked before the captures are read: not an input, a directory that exists (see output-files.ts).
  const [file] = toFile ? prepareOutputs([{ flag: `--output ${args.output}`, path: args.output! }], inputs, false) : [undefined];
  const result = await checkCaptures(args.captures, { given, rules: [] });
  warnIssues(result, warn);
  if (unusable(result)) return 2;
  // Capture paths and notes reach the terminal: no control characters.
  const description = describeTopology(result)
    .split('\n')
    .map((line) => visible(line))
    .join('\n');
  const yaml = topologyToConfig(topologyFromResult(result));
  if (file !== undefined) {
    try {
      writeAll(file.open(), yaml, () => undefined);
      file.commit();
    } catch (err) {
      file.discard();
      if (!isWriteError(err)) throw err;
      warn(`lvs-pcap: ${file.flag}: cannot write ${file.path}: ${writeReason(err)}`);
      return 2;
    }
    writeAll(1, `${description}config written to ${visible(file.path)} (check --config ${visible(file.path)})\n`, () => undefined);
  } else {
    try {
      writeAll(2, description, () => undefined);
    } catch {
      // stderr full or closed: the config on stdout is what matters.
    }
    writeAll(1, yaml, () => undefined);
  }
  return result.topology.vips.length > 0 ? 0 : 1;
}
