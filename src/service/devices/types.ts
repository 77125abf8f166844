/**
 * What the service needs from a device, whatever its protocol: a snapshot (state, levels, cash box), enable/disable,
 * optionally a payout and simulator actions, and a stream of events. One adapter per device kind wraps the protocol
 * stack's public API (kioskbus/essp, kioskbus/ccnet, kioskbus/controllerbox).
 */
import type { EventEmitter } from 'node:events';
import type { Money } from '../../core/money.js';

export type ServiceProtocol = 'essp' | 'ccnet' | 'controllerbox';

/** Device kinds the service knows. */
export const DEVICE_KINDS = [
  'nv200',
  'smart-payout',
  'smart-hopper',
  'bill-validator',
  'bill-to-bill',
  'coin-changer',
  'card-reader',
  'controllerbox',
] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const PROTOCOL_OF: Readonly<Record<DeviceKind, ServiceProtocol>> = {
  nv200: 'essp',
  'smart-payout': 'essp',
  'smart-hopper': 'essp',
  'bill-validator': 'ccnet',
  'bill-to-bill': 'ccnet',
  'coin-changer': 'ccnet',
  'card-reader': 'ccnet',
  controllerbox: 'controllerbox',
};

/** Life-cycle as the service shows it. */
export type DeviceState = 'starting' | 'ready' | 'disabled' | 'busy' | 'offline' | 'failed' | 'stopped';

/** Stock of one denomination in a payout store, cassette, tube or card dispenser. */
export interface DeviceLevel {
  value: Money;
  count: number;
  capacity?: number;
}

export interface CashboxLevel {
  present: boolean;
  /** Notes or coins in it, when the device or simulator knows. */
  count?: number;
  capacity?: number;
}

/** Simulator actions by name; `insert` takes a value, the others nothing. */
export const SIM_ACTIONS = [
  'insert',
  'tap',
  'jam',
  'clear-jam',
  'remove-cashbox',
  'replace-cashbox',
  'power-cut',
  'lose-answer',
] as const;
export type SimActionName = (typeof SIM_ACTIONS)[number];

export interface SimAction {
  action: SimActionName;
  /**
   * `insert`: the note or coin by value; `tap`: the card's balance. `lose-answer`: the next money-moving command gets
   * no answer (CCNET: the device acts on it, its answer is lost; ControllerBox: the box is without power for a moment
   * as the command arrives).
   */
  value?: Money;
}

export interface DeviceSnapshot {
  id: string;
  protocol: ServiceProtocol;
  kind: DeviceKind;
  model?: string;
  simulated: boolean;
  state: DeviceState;
  online: boolean;
  enabled: boolean;
  /** The last error the device or its start reported. */
  error?: string;
  jammed: boolean;
  canPayout: boolean;
  /** A card reader that charges cards (`POST /vends`). */
  canVend?: boolean;
  /** Card dispensers (ControllerBox TCDs) that `POST /cards/dispense` can use. */
  dispensers?: number[];
  currency?: string;
  /** Values it accepts (notes, coins), when known. */
  accepts?: Money[];
  levels?: DeviceLevel[];
  cashbox?: CashboxLevel;
  /** Simulator actions it supports (empty for a real device). */
  actions: SimActionName[];
}

/** What a device reports; `credit` is money in (journalled before anyone hears of it). */
export type DeviceEvent =
  | { type: 'credit'; value: Money; [key: string]: unknown }
  | { type: Exclude<string, 'credit'>; [key: string]: unknown };

/** How a payout ended. `uncertain`: the device's answer was lost or it stopped mid-way; `paid` says what is known. */
export type PayoutStatus = 'paid' | 'refused' | 'uncertain';

export interface PayoutResult {
  status: PayoutStatus;
  requested: Money;
  /** What left the device (for `uncertain`: what is known to have left it). */
  paid: Money;
  /** Why it was refused or is uncertain (the device's reason or the error). */
  reason?: string;
  code?: string;
}

/** How a card dispense ended: `uncertain` when the box's answer was lost and no card event proved the card left. */
export interface CardDispenseResult {
  status: 'dispensed' | 'refused' | 'uncertain';
  tcd: number;
  reason?: string;
  code?: string;
}

export interface ServiceDeviceEvents {
  event: [event: DeviceEvent];
  /** The snapshot changed. */
  change: [];
}

export interface ServiceDevice extends EventEmitter<ServiceDeviceEvents> {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly protocol: ServiceProtocol;
  /** Opens, initialises and (when `enable`) enables the device. Resolves even when it fails (state `failed`). */
  start(): Promise<void>;
  /** Disables, stops polling and closes the link. */
  stop(): Promise<void>;
  snapshot(): DeviceSnapshot;
  /** Reads levels again (payout devices). */
  refresh(): Promise<void>;
  enable(): Promise<void>;
  disable(): Promise<void>;
  /** Present on payout devices. Never throws: refusals and doubt are outcomes. */
  payout?(amount: Money): Promise<PayoutResult>;
  /** Present on card readers: charges `amount` to a card (waits up to `waitMs` for one). Never throws. */
  vend?(amount: Money, waitMs?: number): Promise<PayoutResult>;
  /** Present on card dispensers (ControllerBox): one card from dispenser `tcd`. Never throws. */
  dispenseCard?(tcd: number): Promise<CardDispenseResult>;
  /** Present on simulated devices. Throws INVALID_ARGUMENT for an action or value it cannot do. */
  simulate?(action: SimAction): Promise<void>;
  /**
   * Present on devices that keep activity counters (eSSP validators: GET_COUNTERS / RESET_COUNTERS): reads them, sets
   * them to zero and returns what they were. Throws the device's refusal when it does not know the command.
   */
  resetCounts?(): Promise<Record<string, unknown>>;
}
