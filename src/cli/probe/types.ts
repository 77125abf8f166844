/** The results and options of `kioskbus probe` (what each protocol's probe reports). */
import type { CoinIdentification, DeviceClass } from '../../ccnet/commands.js';
import type { Identification } from '../../ccnet/codec.js';
import type { ChannelInfo } from '../../essp/tables/context.js';
import type { SerialDefaults } from '../../transport/open.js';
import type { Transport } from '../../transport/types.js';

export type ProbeProtocol = 'essp' | 'ccnet' | 'controllerbox';

/** Probe order when no protocol is named. */
export const PROBE_PROTOCOLS: readonly ProbeProtocol[] = ['essp', 'ccnet', 'controllerbox'];

/** Default eSSP slave addresses (M222): validators, NV11, SMART Payout, TEBS 0x00; SMART Hopper and SMART System 0x10;
 * SMART Ticket / NVR-280 0x40; coupon and flatbed printers 0x41. */
export const ESSP_PROBE_ADDRESSES: readonly number[] = [0x00, 0x10, 0x40, 0x41];

/** CCNET peripheral addresses: Bill-to-Bill 01, coin changer 02, bill validator 03, card reader 04. */
export const CCNET_PROBE_ADDRESSES: readonly number[] = [0x01, 0x02, 0x03, 0x04];

export const DEFAULT_PROBE_TIMEOUT_MS = 250;

export interface EsspProbedDevice {
  protocol: 'essp';
  address: number;
  unitType?: number;
  unitTypeName?: string;
  /** SETUP_REQUEST firmware, formatted ("4.30"). */
  firmware?: string;
  /** GET_FIRMWARE_VERSION text (names the model, e.g. "NV02004301498000"). */
  firmwareVersion?: string;
  datasetVersion?: string;
  /** Dataset country of the SETUP_REQUEST. */
  country?: string;
  /** Protocol version the device runs at (power-up default until a host sets one). */
  protocolVersion?: number;
  channels?: ChannelInfo[];
  serialNumber?: number;
  /** The device refused plain-text requests with KEY_NOT_SET (payout devices until a key is negotiated). */
  encryptionRequired: boolean;
  /** A key was negotiated (`fixedKey`) and the requests after it were encrypted. */
  encrypted: boolean;
  /** What could not be read, and why. */
  notes: string[];
}

export interface CcnetProbedDevice {
  protocol: 'ccnet';
  address: number;
  deviceClass: DeviceClass;
  /** IDENTIFICATION of a bill validator, Bill-to-Bill unit or card reader. */
  identification?: Identification;
  /** IDENTIFICATION of a coin changer. */
  coinIdentification?: CoinIdentification;
  notes: string[];
}

export interface ControllerBoxProbedDevice {
  protocol: 'controllerbox';
  firmware?: string;
  board?: string;
  /** The CRC variant the box uses (`arc/data/be`), when the frames received told it apart. */
  crc?: string;
  notes: string[];
}

export type ProbedDevice = EsspProbedDevice | CcnetProbedDevice | ControllerBoxProbedDevice;

export interface ProtocolProbeResult {
  protocol: ProbeProtocol;
  devices: ProbedDevice[];
  /** What was asked, for the "no device answered" line (e.g. "addresses 0x00, 0x10"). */
  asked: string;
}

export interface ProbeOptions {
  /** Protocols to try, in this order (default eSSP, CCNET, ControllerBox). */
  protocols?: readonly ProbeProtocol[];
  /** Wait for each reply (ms, default 250). Each request is sent at most twice. */
  timeoutMs?: number;
  /** eSSP addresses to ask (default `ESSP_PROBE_ADDRESSES`). */
  esspAddresses?: readonly number[];
  /** eSSP: negotiate a key with this fixed key when a device requires encryption, then read it encrypted. */
  fixedKey?: bigint | string;
  /** Stops the probe (Ctrl-C): the port is closed and `probePort` rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Called for each device as soon as it has been read. */
  onDevice?: (device: ProbedDevice) => void;
  /** Called when a protocol is done. */
  onProtocol?: (result: ProtocolProbeResult) => void;
  /** Builds the transport (default `createTransport`); tests and embedders may supply their own. */
  createTransport?: (target: string, defaults: SerialDefaults) => Transport;
}

/** The options a protocol's probe runs with: `timeoutMs` settled. */
export type ProbeSettings = Required<Pick<ProbeOptions, 'timeoutMs'>> & ProbeOptions;
