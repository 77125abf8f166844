import type { SoakConfig, SoakRow } from './common.js';
import { soakCcnet } from './ccnet.js';
import { soakControllerBox } from './controllerbox.js';
import { soakEssp } from './essp.js';

export const PROTOCOLS = {
  essp: soakEssp,
  ccnet: soakCcnet,
  controllerbox: soakControllerBox,
} satisfies Record<string, (config: SoakConfig) => Promise<SoakRow[]>>;

export type ProtocolName = keyof typeof PROTOCOLS;
