/**
 * eSSP command table: one entry per command (code, encryption requirement, argument encoder and its inverse,
 * reply encoder and decoder, F5 error bytes). Host and simulator both read it, so they cannot drift apart.
 *
 * Names are the seed library's (`SET_CHANNEL_INHIBITS`, `REJECT_BANKNOTE`, ...); commands the seed did not have
 * use the manual's name in the same style. Argument objects are typed and camelCase; money is integer minor units
 * with ISO 4217 codes. `src/compat/essp.ts` maps the seed's argument shapes onto these.
 *
 * This file only gathers the parts in `commands/`: `spec.ts` (the entry shape and the argument/result types),
 * `build.ts` and `denominations.ts` (building blocks), one file per family (`setup`, `barcode`, `payout`,
 * `hopper`, `tebs`), `table.ts` (`COMMANDS`) and `lookup.ts` (by code, by name, `encodeCommand`).
 */
export type { ChannelInfo, SspContext, SspValue } from './tables/context.js';
export { UnitType, unitTypeName, NO_CURRENCY } from './tables/context.js';
export type {
  CommandSpec,
  RawArgs,
  ChannelInhibitsArgs,
  ProtocolVersionArgs,
  SerialNumberArgs,
  SerialNumberResult,
  VersionResult,
  LevelsResult,
  BarCodeConfigurationArgs,
  BarCodeInhibitArgs,
  BarCodeInhibitResult,
  RefillModeArgs,
  RefillModeResult,
  PayoutAmountArgs,
  FloatAmountArgs,
  DenominationArgs,
  SetDenominationLevelArgs,
  LevelResult,
  RouteName,
  RouteArgs,
  SetRouteArgs,
  RouteResult,
  MinimumPayoutArgs,
  ValueResult,
  CoinMechInhibitArgs,
  NotePositionsResult,
  DenominationItem,
  ByDenominationArgs,
  ValueReportingArgs,
  EnableArgs,
  GeneratorArgs,
  ModulusArgs,
  KeyExchangeArgs,
  KeyExchangeResult,
  BaudRateArgs,
  CashboxPayoutLimitArgs,
  BuildRevisionResult,
  HopperOptions,
  CashboxPayoutDataResult,
  BezelArgs,
  CoinMechOptionsArgs,
  EnablePayoutArgs,
  FixedKeyArgs,
  RtcConfigurationResult,
  RtcTime,
  EscrowSizeArgs,
  EscrowSizeResult,
  CoinStirArgs,
  TebsBarcodeResult,
  TebsLogArgs,
  TebsLogResult,
  PrinterSubCommandArgs,
  CommsPassThroughArgs,
} from './commands/spec.js';
export { PAYOUT_ERROR_BYTES, ROUTE_CODES } from './commands/denominations.js';
export { BAUD_RATES, BEZEL_TYPES } from './commands/setup.js';
export {
  TICKET_PRINT_OPERATIONS,
  PRINTER_CONFIGURATION_OPERATIONS,
  type TicketPrintOperation,
  type PrinterConfigurationOperation,
} from './commands/tebs.js';
export { HOPPER_PAY_MODES, type HopperPayMode, type SetHopperOptionsResult } from './commands/hopper.js';
export {
  COMMANDS,
  type SspCommands,
  type SspCommandName,
  type CommandArgs,
  type CommandResult,
  type ReplyInput,
  type DecodedArgs,
} from './commands/table.js';
export { allCommands, commandByCode, commandByName, encodeCommand } from './commands/lookup.js';
