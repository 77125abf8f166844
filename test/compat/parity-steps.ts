/**
 * The commands the side-by-side parity test sends, with the older library's argument shapes, per simulated device.
 * Each list starts with SYNC and SETUP_REQUEST (the older library learns the protocol version and unit type from
 * SETUP_REQUEST only). Commands that would end the session (RESET, SET_BAUD_RATE, the key commands) are left out.
 */

export interface Step {
  command: string;
  /** Built anew for each library: the older one changes some argument objects in place. */
  args?: () => Record<string, unknown>;
}

const step = (command: string, args?: Record<string, unknown>): Step =>
  args === undefined ? { command } : { command, args: () => structuredClone(args) };

const START = [step('SYNC'), step('SETUP_REQUEST'), step('HOST_PROTOCOL_VERSION', { version: 6 })];

/** Commands every validator answers, and a few it refuses. */
export const VALIDATOR_STEPS: readonly Step[] = [
  ...START,
  step('GET_SERIAL_NUMBER'),
  step('UNIT_DATA'),
  step('CHANNEL_VALUE_REQUEST'),
  step('CHANNEL_SECURITY_DATA'),
  step('CHANNEL_RE_TEACH_DATA'),
  step('LAST_REJECT_CODE'),
  step('GET_FIRMWARE_VERSION'),
  step('GET_DATASET_VERSION'),
  step('GET_BUILD_REVISION'),
  step('DISPLAY_OFF'),
  step('DISPLAY_ON'),
  step('SET_CHANNEL_INHIBITS', { channels: [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }),
  step('GET_COUNTERS'),
  step('RESET_COUNTERS'),
  step('SET_VALUE_REPORTING_TYPE', { reportBy: 'channel' }),
  step('HOLD'),
  step('REJECT_BANKNOTE'),
  step('POLL'),
  step('ENABLE'),
  step('POLL'),
  step('DISABLE'),
  step('POLL'),
  step('EMPTY_ALL'),
  step('PAYOUT_AMOUNT', { amount: 500, country_code: 'EUR', test: true }),
  step('ENABLE_PAYOUT_DEVICE', { GIVE_VALUE_ON_STORED: true, NO_HOLD_NOTE_ON_PAYOUT: false }),
  step('GET_NOTE_POSITIONS'),
  step('GET_DENOMINATION_ROUTE', { value: 500, country_code: 'EUR' }),
];

/** NV200 with its bar-code reader: the bar-code commands. */
export const BAR_CODE_STEPS: readonly Step[] = [
  ...START,
  step('GET_BAR_CODE_READER_CONFIGURATION'),
  step('SET_BAR_CODE_CONFIGURATION', { enable: 'top', numChar: 8 }),
  step('GET_BAR_CODE_READER_CONFIGURATION'),
  step('GET_BAR_CODE_INHIBIT_STATUS'),
  step('SET_BAR_CODE_INHIBIT_STATUS', { currencyRead: true, barCode: true }),
  step('GET_BAR_CODE_INHIBIT_STATUS'),
  step('GET_BAR_CODE_DATA'),
  step('CONFIGURE_BEZEL', { RGB: '00ff00', volatile: true }),
];

/** A note recycler: levels, routes, payouts (test mode and real), the F5 answers with their texts. */
export const PAYOUT_STEPS: readonly Step[] = [
  ...START,
  step('ENABLE_PAYOUT_DEVICE', { GIVE_VALUE_ON_STORED: true, NO_HOLD_NOTE_ON_PAYOUT: true }),
  step('GET_ALL_LEVELS'),
  step('GET_DENOMINATION_LEVEL', { amount: 1000, country_code: 'EUR' }),
  step('GET_DENOMINATION_ROUTE', { value: 1000, country_code: 'EUR' }),
  step('SET_DENOMINATION_ROUTE', { route: 'cashbox', value: 1000, country_code: 'EUR' }),
  step('GET_DENOMINATION_ROUTE', { value: 1000, country_code: 'EUR' }),
  step('SET_DENOMINATION_ROUTE', { route: 'payout', value: 1000, country_code: 'EUR' }),
  step('GET_DENOMINATION_ROUTE', { value: 1000, country_code: 'EUR' }),
  step('GET_DENOMINATION_ROUTE', { value: 1000, country_code: 'USD' }),
  step('GET_NOTE_POSITIONS'),
  step('CASHBOX_PAYOUT_OPERATION_DATA'),
  step('SET_REFILL_MODE', { mode: 'off' }),
  step('PAYOUT_AMOUNT', { amount: 3, country_code: 'EUR', test: true }),
  step('PAYOUT_AMOUNT', { amount: 99_900_000, country_code: 'EUR', test: true }),
  step('PAYOUT_AMOUNT', { amount: 1000, country_code: 'EUR', test: true }),
  step('PAYOUT_BY_DENOMINATION', {
    value: [{ number: 1, denomination: 1000, country_code: 'EUR' }],
    test: true,
  }),
  step('FLOAT_AMOUNT', { min_possible_payout: 500, amount: 99_900_000, country_code: 'EUR', test: true }),
  step('FLOAT_BY_DENOMINATION', { value: [{ number: 99, denomination: 1000, country_code: 'EUR' }], test: true }),
  step('ENABLE'),
  step('POLL'),
  step('HALT_PAYOUT'),
  step('DISABLE_PAYOUT_DEVICE'),
  step('ENABLE_PAYOUT_DEVICE', {}),
  step('POLL'),
  step('GET_COUNTERS'),
];

/** A coin hopper: levels, coin mech commands (GET_HOPPER_OPTIONS is left out: the older library throws on it). */
export const HOPPER_STEPS: readonly Step[] = [
  ...START,
  step('GET_ALL_LEVELS'),
  step('SET_DENOMINATION_LEVEL', { value: 20, denomination: 100, country_code: 'EUR' }),
  step('GET_DENOMINATION_LEVEL', { amount: 100, country_code: 'EUR' }),
  step('GET_ALL_LEVELS'),
  step('SET_HOPPER_OPTIONS', { payMode: true, levelCheck: true, motorSpeed: false, cashBoxPayAcive: false }),
  step('SET_COIN_MECH_GLOBAL_INHIBIT', { enable: true }),
  step('COIN_MECH_OPTIONS', { ccTalk: false }),
  step('GET_MINIMUM_PAYOUT', { country_code: 'EUR' }),
  step('PAYOUT_AMOUNT', { amount: 200, country_code: 'EUR', test: true }),
  step('PAYOUT_AMOUNT', { amount: 3, country_code: 'EUR', test: true }),
  step('FLOAT_AMOUNT', { min_possible_payout: 100, amount: 500, country_code: 'EUR', test: true }),
  step('SMART_EMPTY'),
  step('POLL'),
  step('GET_BUILD_REVISION'),
];
