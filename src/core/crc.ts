/**
 * Table-driven CRC-16 catalogue.
 *
 * Every algorithm is described by its Rocksoft/Williams parameters and checked against the
 * catalogue's check value (the CRC of the ASCII string "123456789") in the tests.
 */

export interface Crc16Spec {
  /** Catalogue name, e.g. `CRC-16/KERMIT`. */
  readonly name: string;
  readonly poly: number;
  readonly init: number;
  /** Input and output reflected (all algorithms here reflect both or neither). */
  readonly reflected: boolean;
  readonly xorout: number;
  /** CRC of the ASCII bytes "123456789". */
  readonly check: number;
}

function reflect16(value: number): number {
  let out = 0;
  for (let i = 0; i < 16; i++) {
    if (value & (1 << i)) out |= 1 << (15 - i);
  }
  return out;
}

/** A CRC-16 algorithm with a precomputed 256-entry table. */
export class Crc16 {
  readonly spec: Crc16Spec;
  private readonly table = new Uint16Array(256);

  constructor(spec: Crc16Spec) {
    this.spec = spec;
    if (spec.reflected) {
      const poly = reflect16(spec.poly);
      for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
        this.table[n] = c;
      }
    } else {
      for (let n = 0; n < 256; n++) {
        let c = n << 8;
        for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ spec.poly) & 0xffff : (c << 1) & 0xffff;
        this.table[n] = c;
      }
    }
  }

  get name(): string {
    return this.spec.name;
  }

  /** CRC of `data[start, end)`. */
  compute(data: Uint8Array, start = 0, end = data.length): number {
    return this.finish(this.update(this.spec.init, data, start, end));
  }

  /** Feeds bytes into a running (un-finished) register value; start with `spec.init`. */
  update(register: number, data: Uint8Array, start = 0, end = data.length): number {
    const t = this.table;
    let c = register;
    if (this.spec.reflected) {
      for (let i = start; i < end; i++) c = (c >>> 8) ^ (t[(c ^ (data[i] ?? 0)) & 0xff] ?? 0);
    } else {
      for (let i = start; i < end; i++) c = ((c << 8) & 0xffff) ^ (t[((c >>> 8) ^ (data[i] ?? 0)) & 0xff] ?? 0);
    }
    return c;
  }

  finish(register: number): number {
    return (register ^ this.spec.xorout) & 0xffff;
  }
}

/** eSSP: poly 0x8005, init 0xFFFF, not reflected (known elsewhere as CRC-16/CMS). Sent low byte first. */
export const CRC16_SSP = new Crc16({
  name: 'CRC-16/SSP',
  poly: 0x8005,
  init: 0xffff,
  reflected: false,
  xorout: 0,
  check: 0xaee7,
});

/** CCNET: poly 0x1021 reflected, init 0 (the CCNET manual's 0x08408 is the reflected polynomial). Sent LSB first. */
export const CRC16_KERMIT = new Crc16({
  name: 'CRC-16/KERMIT',
  poly: 0x1021,
  init: 0,
  reflected: true,
  xorout: 0,
  check: 0x2189,
});

/** ControllerBox default: poly 0x8005 reflected, init 0. */
export const CRC16_ARC = new Crc16({
  name: 'CRC-16/ARC',
  poly: 0x8005,
  init: 0,
  reflected: true,
  xorout: 0,
  check: 0xbb3d,
});

/** ControllerBox alternative: poly 0x1021, init 0, not reflected. */
export const CRC16_XMODEM = new Crc16({
  name: 'CRC-16/XMODEM',
  poly: 0x1021,
  init: 0,
  reflected: false,
  xorout: 0,
  check: 0x31c3,
});

export const CRC16_CATALOGUE: readonly Crc16[] = [CRC16_SSP, CRC16_KERMIT, CRC16_ARC, CRC16_XMODEM];
