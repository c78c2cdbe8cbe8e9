/**
 * A mistake in what the user gave us (flags, ipvsadm output, config file), as opposed to a bug
 * or an unreadable capture. The CLI prints `message` alone on one line and exits 2, so the
 * message must name the bad value and where it came from; no stack trace is wanted.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  constructor(message: string) {
    super(message);
  }
}
