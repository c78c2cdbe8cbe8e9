import type { FrameRef } from './result.js';

/**
 * A Wireshark display filter selecting these frames. Frame numbers are per capture file, so
 * with several captures the filter applies to each file on its own (the report names the file).
 */
export function displayFilter(frames: readonly FrameRef[], limit = 200): string {
  const nums = [...new Set(frames.slice(0, limit).map((f) => f.frame))];
  if (nums.length === 0) return '';
  return nums.length === 1 ? `frame.number == ${nums[0]}` : `frame.number in {${nums.join(' ')}}`;
}
