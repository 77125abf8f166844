/**
 * The exit codes of every `kioskbus` command and the wording of the errors a technician meets: a port that cannot
 * be opened, a device that does not answer.
 */
import { ErrorCode, isKioskbusError, KioskbusError } from '../core/errors.js';

/** Exit codes, the same in every command (listed in `kioskbus --help` and the README). */
export const ExitCode = {
  Ok: 0,
  /** Something failed at run time: a port that cannot be opened, a device that refused, a lost device with --once. */
  Failure: 1,
  /** The command line is wrong (unknown command or option, bad value, bad hex). */
  Usage: 2,
  /** Nothing answered: no device at the address, on that line setting. */
  NoAnswer: 3,
  /** Interrupted by Ctrl-C (SIGINT) or SIGTERM. */
  Interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    success
  1    run-time failure (port cannot be opened, device refused, device lost with --once)
  2    usage error (unknown command or option, bad value, bad hex)
  3    nothing answered (no device at that address, line setting or protocol)
  130  interrupted (Ctrl-C)`;

/** A failure that ends a command with a given exit code and one line of text (no stack, no help). */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failure,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

function rawMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return `${error.message} ${cause instanceof Error ? cause.message : ''}`;
  }
  return String(error);
}

/**
 * A port that could not be opened, in words: what the technician should check. `target` is what was given on the
 * command line.
 */
export function openFailure(target: string, error: unknown): CliFailure {
  const text = rawMessage(error);
  const lower = text.toLowerCase();
  const prefix = `cannot open ${target}`;
  if (/enoent|no such file or directory/.test(lower)) {
    return new CliFailure(`${prefix}: no such port (kioskbus ports lists the ports)`);
  }
  if (/eacces|permission denied|operation not permitted/.test(lower)) {
    return new CliFailure(
      `${prefix}: permission denied: add the user to the dialout group (sudo usermod -aG dialout $USER, then log in again)`,
    );
  }
  if (/cannot lock port|resource temporarily unavailable|ebusy|device or resource busy/.test(lower)) {
    return new CliFailure(`${prefix}: busy: another program holds it (a simulator, a modem manager, a terminal)`);
  }
  if (/inappropriate ioctl|enotty|not a tty|custom baud rate/.test(lower)) {
    return new CliFailure(`${prefix}: it is not a serial port`);
  }
  if (/econnrefused/.test(lower)) {
    return new CliFailure(`${prefix}: nothing listens there (is the simulator running?)`);
  }
  if (/enotfound|eai_again/.test(lower)) return new CliFailure(`${prefix}: unknown host`);
  if (isKioskbusError(error, ErrorCode.Timeout)) return new CliFailure(`${prefix}: connecting timed out`);
  if (isKioskbusError(error, ErrorCode.UnsupportedUrl) || isKioskbusError(error, ErrorCode.InvalidArgument)) {
    return new CliFailure(`${prefix}: ${error instanceof Error ? error.message : text}`, ExitCode.Usage);
  }
  if (isKioskbusError(error, ErrorCode.SocatMissing)) {
    return new CliFailure(`${prefix}: ${error instanceof Error ? error.message : text}`);
  }
  return new CliFailure(`${prefix}: ${error instanceof Error ? error.message : text}`);
}

/** True when the error says the device did not answer at all (as opposed to answering with a refusal). */
export function isSilence(error: unknown): boolean {
  return (
    isKioskbusError(error, ErrorCode.Timeout) ||
    isKioskbusError(error, ErrorCode.Offline) ||
    isKioskbusError(error, ErrorCode.NotReady)
  );
}

/**
 * A start-up that failed (`'silence'`: nothing answered at all): with silence, what was tried and what usually causes it (exit 3); with an answer, the
 * device's refusal (exit 1).
 */
export function startupFailure(
  what: { protocol: string; target: string; tried: string; hint: string },
  error: unknown,
): CliFailure {
  if (error === 'silence' || isSilence(error)) {
    return new CliFailure(
      `no answer from ${what.protocol} on ${what.target}: tried ${what.tried}. Usual causes: ${what.hint}`,
      ExitCode.NoAnswer,
    );
  }
  const message = error instanceof KioskbusError ? `${error.code}: ${error.message}` : rawMessage(error).trim();
  return new CliFailure(`${what.protocol} start-up on ${what.target} failed: ${message}`);
}
