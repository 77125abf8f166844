/**
 * NV4000 note recycler. What is known (research §3.10, docs/essp-payout.md): unit type 0x12 and the route bytes
 * 0x11-0x14 (recycler 1-4) and 0x15 (cassette) come from the NV4000 fork of the seed library; sub-device serial
 * numbers 0x11-0x14 (recyclers) and 0x15 (interface module) from the NV9USB manual extract. That it otherwise
 * behaves like a SMART Payout (same commands and events) is an inference: no public NV4000 specification exists.
 */
import type { SspBus } from '../bus.js';
import { SmartPayout, type SmartPayoutOptions } from './smart-payout.js';

/** SETUP_REQUEST unit type of the NV4000 (fork only, unverified against an ITL document). */
export const NV4000_UNIT_TYPE = 0x12;

/** GET_SERIAL_NUMBER sub-devices of the NV4000. */
export const NV4000_SUB_DEVICES = {
  recycler1: 0x11,
  recycler2: 0x12,
  recycler3: 0x13,
  recycler4: 0x14,
  interface: 0x15,
} as const;

export type Nv4000SubDevice = keyof typeof NV4000_SUB_DEVICES;

export class Nv4000 extends SmartPayout {
  constructor(bus: SspBus, options: SmartPayoutOptions = {}) {
    super(bus, options);
  }

  /** True when SETUP_REQUEST reported the NV4000 unit type (0x12). */
  get isNv4000(): boolean {
    return this.setup?.unitType === NV4000_UNIT_TYPE;
  }

  /** Serial numbers of the recyclers and the interface module. */
  async subDeviceSerialNumbers(): Promise<Record<Nv4000SubDevice, number>> {
    const out: Partial<Record<Nv4000SubDevice, number>> = {};
    for (const [name, device] of Object.entries(NV4000_SUB_DEVICES) as [Nv4000SubDevice, number][]) {
      out[name] = await this.serialNumber(device);
    }
    return out as Record<Nv4000SubDevice, number>;
  }
}
