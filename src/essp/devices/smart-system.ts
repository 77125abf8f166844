/**
 * SMART System / SMART Coin System (unit type 0x09, address 0x10): a SMART Hopper with a coin feeder. Same
 * SETUP_REQUEST layout as the hopper (type, firmware, country, protocol, coin values, v>=6 coin currencies) and the
 * same commands; it adds PAY_IN_ACTIVE (`payInActive`) while coins are fed and VALUE_ADDED (`valueAdded`, with the
 * hopper option bit 7). Credits come with COIN_CREDIT (`coinCredit`); VALUE_ADDED is information only.
 */
import type { SspBus } from '../bus.js';
import { SmartHopper, type SmartHopperOptions } from './smart-hopper.js';

export const SMART_SYSTEM_UNIT_TYPE = 0x09;

export interface SmartSystemOptions extends SmartHopperOptions {
  /** Ask for VALUE_ADDED events (hopper option bit 7) at every start-up. Default true. */
  valueAddedEvents?: boolean;
}

export class SmartSystem extends SmartHopper {
  constructor(bus: SspBus, options: SmartSystemOptions = {}) {
    super(bus, {
      ...options,
      hopperOptions: { valueAddedEvent: options.valueAddedEvents ?? true, ...options.hopperOptions },
    });
  }
}
