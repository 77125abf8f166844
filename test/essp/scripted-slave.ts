/**
 * A scripted eSSP slave for host paths the simulator does not produce: it answers each command with what the test's
 * `answer` returns, byte for byte over a memory transport. The link rules are the device's: a SYNC clears the sequence
 * flag, a repeated flag gets the last reply again without running the command, and once a key is set (by the
 * subclass) encrypted commands are decrypted and their replies encrypted with the device's eCOUNT.
 */
import { decryptPacket, encryptPacket } from '../../src/essp/crypto.js';
import { encodeFrame, SspFramer, type SspReceivedFrame } from '../../src/essp/frame.js';
import type { MemoryTransport } from '../../src/transport/memory.js';

const SYNC = 0x11;
const STEX = 0x7e;

/** Feeds every chunk `end` receives to an eSSP framer that hands each good frame to `frame`. */
export function onFrames(end: MemoryTransport, frame: (frame: SspReceivedFrame) => void): void {
  const framer = new SspFramer({ frame });
  end.on('data', (chunk) => {
    framer.push(chunk);
  });
}

export abstract class ScriptedSlave {
  /** Every command code received (decrypted), in order; a repeat answered from the last reply is not counted. */
  readonly received: number[] = [];
  /** The AES key (fixed ‖ negotiated) once the subclass sets it. */
  protected key: Uint8Array | undefined;
  /** eCOUNT: encrypted commands received since the key was set. */
  protected count = 0;
  private lastSeq: 0 | 1 | undefined;
  private lastReply: Uint8Array | undefined;

  constructor(readonly end: MemoryTransport) {
    onFrames(end, (frame) => {
      this.receive(frame);
    });
  }

  /** The reply data (generic code first) to a command (code first, decrypted). */
  protected abstract answer(data: Uint8Array): Uint8Array | readonly number[];

  /** How long the reply to a command is held back (0: sent at once). */
  protected holdBackMs: (command: number) => number = () => 0;

  private receive(frame: SspReceivedFrame): void {
    const first = frame.data[0] ?? 0;
    if (first === SYNC) this.lastSeq = undefined;
    else if (frame.seq === this.lastSeq && this.lastReply) {
      void this.end.write(this.lastReply);
      return;
    }
    const key = first === STEX ? this.key : undefined;
    let data = frame.data;
    if (key) {
      data = decryptPacket(key, frame.data).data;
      this.count++;
    }
    const command = data[0] ?? 0;
    this.received.push(command);
    let out: Uint8Array = Uint8Array.from(this.answer(data));
    if (key) out = encryptPacket(key, this.count, out);
    const reply = encodeFrame({ address: frame.address, seq: frame.seq, data: out });
    this.lastSeq = first === SYNC ? undefined : frame.seq;
    this.lastReply = reply;
    const delay = this.holdBackMs(command);
    if (delay > 0) setTimeout(() => void this.end.write(reply), delay);
    else void this.end.write(reply);
  }
}
