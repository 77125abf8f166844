/**
 * The life-cycle every kioskbus device goes through, whatever its protocol: a set of typed states and the pure
 * transitions between them. The shared poll loop (device-loop.ts) is the only code that moves a device from one state
 * to another, and only through `transition`, so every recovery path (offline, power-up, busy, reset, lost port) is a
 * named edge of this table and can be tested on its own.
 *
 * ```
 *   closed ──start──▶ opening ──opened──▶ initialising ──initialised──▶ ready ◀─┐
 *                        │                 │      ▲                       │      │ initialised
 *                        │ failed          │ busy │ reinit                │ busy ▼
 *                        ▼                 ▼      │                       └──▶ busy
 *                      closed            busy ────┘
 *   ready / busy / initialising ──silent | portLost──▶ offline ──retry──▶ reopening ──answered──▶ initialising
 *                                                          ▲                  │ failed
 *                                                          └──────────────────┘
 *   any state ──stop──▶ closed
 * ```
 */

export type DeviceState = 'closed' | 'opening' | 'initialising' | 'ready' | 'busy' | 'offline' | 'reopening';

export const DEVICE_STATES: readonly DeviceState[] = [
  'closed',
  'opening',
  'initialising',
  'ready',
  'busy',
  'offline',
  'reopening',
];

/** Why a device runs its start-up sequence. */
export type InitReason = 'start' | 'reset' | 'power-up' | 'online' | 'key-not-set' | 'request';

/** What happened, as the poll loop sees it. */
export type LifecycleInput =
  /** The application started the device. */
  | 'start'
  /** The port is open (first start). */
  | 'opened'
  /** The start-up sequence finished. */
  | 'initialised'
  /** The device answers but is finishing an operation (it needs polls, not commands). */
  | 'busy'
  /** The device asked to be set up again (reset, power-up, lost key) or the application did. */
  | 'reinit'
  /** Nothing answered for longer than the protocol allows. */
  | 'silent'
  /** The port went away (unplugged adapter, closed socket). */
  | 'portLost'
  /** Time to try reaching the device again. */
  | 'retry'
  /** The device answered again after an outage. */
  | 'answered'
  /** An attempt (first open, first start-up, a reconnect) failed. */
  | 'failed'
  /** The application stopped the device. */
  | 'stop';

const TABLE: Readonly<Record<DeviceState, Partial<Record<LifecycleInput, DeviceState>>>> = {
  closed: { start: 'opening', stop: 'closed' },
  opening: { opened: 'initialising', failed: 'closed', stop: 'closed' },
  initialising: {
    initialised: 'ready',
    busy: 'busy',
    silent: 'offline',
    portLost: 'offline',
    failed: 'closed',
    reinit: 'initialising',
    stop: 'closed',
  },
  ready: { reinit: 'initialising', busy: 'busy', silent: 'offline', portLost: 'offline', stop: 'closed' },
  busy: {
    initialised: 'ready',
    reinit: 'initialising',
    busy: 'busy',
    silent: 'offline',
    portLost: 'offline',
    stop: 'closed',
  },
  offline: { retry: 'reopening', portLost: 'offline', silent: 'offline', stop: 'closed' },
  reopening: { answered: 'initialising', failed: 'offline', portLost: 'offline', silent: 'offline', stop: 'closed' },
};

/** The state after `input` in `state`, or undefined when the input means nothing there (the caller ignores it). */
export function transition(state: DeviceState, input: LifecycleInput): DeviceState | undefined {
  return TABLE[state][input];
}

/** States in which the device takes the application's commands. */
export function acceptsCommands(state: DeviceState): boolean {
  return state === 'ready';
}

/** States in which the device is reachable (it answered lately). */
export function isReachable(state: DeviceState): boolean {
  return state === 'initialising' || state === 'ready' || state === 'busy';
}
