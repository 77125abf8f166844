import type { SoakConfig, SoakRow } from './common.js';
import { soakEssp } from './essp.js';

export const PROTOCOLS = {
  essp: soakEssp,
} satisfies Record<string, (config: SoakConfig) => Promise<SoakRow[]>>;

export type ProtocolName = keyof typeof PROTOCOLS;
