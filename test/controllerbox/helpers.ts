export { BOX_EVENTS } from '../../src/controllerbox/events.js';

/** Rewrites (or drops, when `fn` returns undefined) what one end of a memory pair writes: a line fault on cue. */
export function tamper(
  end: { write(data: Uint8Array): Promise<void> },
  fn: (bytes: Uint8Array) => Uint8Array | undefined,
): void {
  const write = end.write.bind(end);
  end.write = (data: Uint8Array) => {
    const out = fn(data);
    return out ? write(out) : Promise.resolve();
  };
}

/** `tamper` for the first `count` frames with this PROTOCOL_ID: `fn` changes them (undefined drops them). */
export function tamperFrames(
  end: { write(data: Uint8Array): Promise<void> },
  id: number,
  count: number,
  fn: (bytes: Uint8Array) => Uint8Array | undefined,
): () => number {
  let done = 0;
  tamper(end, (bytes) => {
    if (bytes[1] !== id || done >= count) return bytes;
    done++;
    return fn(bytes.slice());
  });
  return () => done;
}

/** The line damages the PROTOCOL_ID of the next frame with id `id` into `newId` (the default CRC does not see it). */
export function damageId(end: { write(data: Uint8Array): Promise<void> }, id: number, newId: number): void {
  tamperFrames(end, id, 1, (bytes) => {
    bytes[1] = newId;
    return bytes;
  });
}
