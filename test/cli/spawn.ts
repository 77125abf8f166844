/**
 * Runs the real `kioskbus` entry (src/cli/main.ts through tsx) as a child process: real argv, stdio, exit codes and
 * signals. Used by the end-to-end CLI tests.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cleanupAfterEach } from '../helpers/cleanups.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  out(): string;
  err(): string;
  /** Resolves with the exit code (a signal death is reported as 128 + signal number, like a shell). */
  readonly exited: Promise<number>;
  /** Resolves once `pattern` appears in stdout or stderr; rejects after `ms` with what was printed. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** JSON lines of stdout. */
  lines(): Record<string, unknown>[];
  /** Writes a line to stdin. */
  send(line: string): void;
}

const SIGNALS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const changed = (): void => {
    for (const w of waiters) w();
  };
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString('utf8');
    changed();
  });
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString('utf8');
    changed();
  });
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => {
      changed();
      resolve(code ?? 128 + (signal ? (SIGNALS[signal] ?? 0) : 0));
    });
  });
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    send(line) {
      child.stdin.write(`${line}\n`);
    },
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(out) ?? pattern.exec(err);
          if (match) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${String(pattern)} not seen in ${String(ms)} ms\nstdout: ${out}\nstderr: ${err}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}

/** Runs the CLI to its end: exit code and output. */
export async function runToEnd(
  args: readonly string[],
  stdin = '',
): Promise<{ code: number; out: string; err: string }> {
  const p = spawnCli(args);
  p.child.stdin.end(stdin);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
}

/**
 * `spawnCli` for the calling test file: after each test, every process it started that still runs gets `signal`
 * (default SIGKILL) and is awaited.
 */
export function spawnPerTest(signal: NodeJS.Signals = 'SIGKILL'): (args: readonly string[]) => Spawned {
  const cleanups = cleanupAfterEach();
  return (args) => {
    const p = spawnCli(args);
    cleanups.push(async () => {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill(signal);
        await p.exited;
      }
    });
    return p;
  };
}
