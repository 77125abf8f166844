import { ccnetCli } from './ccnet/index.js';
import { controllerboxCli } from './controllerbox/index.js';
import { esspCli } from './essp/index.js';
import type { ProtocolCli } from './types.js';

/**
 * The protocols that contribute CLI commands. Each protocol folder exports its `ProtocolCli` from
 * `src/cli/<protocol>/index.ts`; add it here.
 */
export const protocols: readonly ProtocolCli[] = [esspCli, ccnetCli, controllerboxCli];
