import type { Readable, Writable } from 'node:stream';

/** Where a CLI command reads and writes; tests pass their own streams and an AbortSignal to stop it. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  /** Aborted on SIGINT/SIGTERM (or by a test): long-running commands (watch, simulate) stop and resolve. */
  signal: AbortSignal;
}

/** One runnable (sub)command. `run` resolves to the process exit code. */
export interface CliCommand {
  /** One line for the command list. */
  summary: string;
  /** Full help text shown by `--help`. */
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** What a protocol adds to the CLI: `kioskbus decode <name>`, `watch <name>`, `simulate <name>`. */
export interface ProtocolCli {
  name: string;
  decode?: CliCommand;
  watch?: CliCommand;
  simulate?: CliCommand;
}

/** One part of `kioskbus demo`: prints through `say` and throws when something does not work. */
export interface DemoSection {
  title: string;
  run(say: (line: string) => void, signal: AbortSignal): Promise<void>;
}

/** A wrong command line: exit code 2, one line, and where the help is (`kioskbus <command> --help`). */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help to show, e.g. `watch essp` (default: the command that ran). */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
