/**
 * The hosts' end of `bench:wire`: one child process (device-process.ts) serves the simulators on paced ptys; this
 * side asks it for a device, learns the pty path, and mirrors the wire log and the simulator's commands and events
 * with their times converted to this process's `performance.now()`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { SspSimulatorOptions } from '../../src/essp/simulator/simulator.js';
import { CCNET_LINE, ESSP_LINE, WireLog } from './harness.js';

export type ParentMessage =
  | { type: 'serve'; kind: 'essp'; options: SspSimulatorOptions }
  | { type: 'serve'; kind: 'ccnet' }
  | { type: 'insert'; channel: number }
  | { type: 'stop' }
  | { type: 'exit' };

export type ChildMessage =
  | { type: 'ready'; path: string; channels: number }
  | { type: 'span'; direction: 'host' | 'device'; bytes: number[]; startMs: number; endMs: number }
  | { type: 'command'; name: string; at: number }
  | { type: 'event'; name: string; channel: number; at: number }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

interface RemoteEvents {
  command: [name: string, at: number];
  event: [name: string, channel: number, at: number];
}

/** A simulated device served by the device process. */
export class RemoteDevice extends EventEmitter<RemoteEvents> {
  constructor(
    private readonly owner: DeviceProcess,
    readonly path: string,
    readonly channels: number,
    readonly log: WireLog,
  ) {
    super();
  }

  insertNote(channel: number): void {
    this.owner.post({ type: 'insert', channel });
  }

  close(): Promise<void> {
    return this.owner.stop();
  }
}

const local = (absolute: number): number => absolute - performance.timeOrigin;

export class DeviceProcess {
  private readonly child: ChildProcess;
  private device: RemoteDevice | undefined;
  private waiter:
    { type: ChildMessage['type']; resolve: (m: ChildMessage) => void; reject: (e: Error) => void } | undefined;

  constructor() {
    this.child = fork(fileURLToPath(new URL('./device-process.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: ChildMessage) => {
      this.receive(message);
    });
  }

  post(message: ParentMessage): void {
    this.child.send(message);
  }

  private receive(message: ChildMessage): void {
    const device = this.device;
    switch (message.type) {
      case 'span':
        device?.log[message.direction].push({
          bytes: Uint8Array.from(message.bytes),
          startMs: local(message.startMs),
          endMs: local(message.endMs),
        });
        return;
      case 'command':
        device?.emit('command', message.name, local(message.at));
        return;
      case 'event':
        device?.emit('event', message.name, message.channel, local(message.at));
        return;
      case 'failed':
        this.waiter?.reject(new Error(`device process: ${message.message}`));
        this.waiter = undefined;
        return;
      default:
        if (this.waiter?.type === message.type) {
          this.waiter.resolve(message);
          this.waiter = undefined;
        }
    }
  }

  private request(message: ParentMessage, reply: ChildMessage['type']): Promise<ChildMessage> {
    return new Promise((resolve, reject) => {
      this.waiter = { type: reply, resolve, reject };
      this.post(message);
    });
  }

  async serve(spec: { kind: 'essp'; options: SspSimulatorOptions } | { kind: 'ccnet' }): Promise<RemoteDevice> {
    const log = new WireLog(spec.kind === 'essp' ? ESSP_LINE : CCNET_LINE);
    const ready = await this.request({ type: 'serve', ...spec }, 'ready');
    if (ready.type !== 'ready') throw new Error('device process: unexpected answer');
    this.device = new RemoteDevice(this, ready.path, ready.channels, log);
    return this.device;
  }

  async stop(): Promise<void> {
    await this.request({ type: 'stop' }, 'stopped');
    this.device = undefined;
  }

  async exit(): Promise<void> {
    const exited = new Promise<void>((resolve) => {
      this.child.once('exit', () => {
        resolve();
      });
    });
    this.post({ type: 'exit' });
    await exited;
  }
}
