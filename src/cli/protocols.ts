import { ccnetCli } from '../ccnet/cli.js';
import { controllerboxCli } from '../controllerbox/cli.js';
import { esspCli } from '../essp/cli.js';
import type { ProtocolCli } from './types.js';

/**
 * The protocols that contribute CLI commands. Each protocol folder exports its `ProtocolCli` from
 * `src/<protocol>/cli.ts`; add it here.
 */
export const protocols: readonly ProtocolCli[] = [esspCli, ccnetCli, controllerboxCli];
