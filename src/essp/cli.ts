import type { ProtocolCli } from '../cli/types.js';
import { simulate } from './simulator/cli.js';

/** What eSSP adds to the `kioskbus` command. */
export const esspCli: ProtocolCli = { name: 'essp', simulate };
