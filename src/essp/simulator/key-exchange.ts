/**
 * The key commands of a simulated eSSP device: SET_GENERATOR and SET_MODULUS (primes, else F4), REQUEST_KEY_EXCHANGE
 * (F8 before both are set; the new key applies once the reply is built), SET_FIXED_ENCRYPTION_KEY (kept over power
 * cycles, like EEPROM) and RESET_FIXED_ENCRYPTION_KEY (the default key, then a reset).
 */
import { buildAesKey, DEFAULT_FIXED_KEY, isProbablePrime, slaveKeyExchange } from '../crypto.js';
import type { Handlers } from './behaviour.js';
import { fail, outOfRange } from './replies.js';

export interface KeyExchangeHooks {
  /** A key was agreed: the device switches to it (eCOUNT 0) once the reply is sent. */
  keyAgreed(aesKey: Uint8Array): void;
  /** RESET_FIXED_ENCRYPTION_KEY: the device resets once the reply is sent. */
  resetRequested(): void;
}

/** Random bytes from a [0, 1) source (tests: deterministic keys and packet packing). */
export function randomBytesFrom(random: () => number): (n: number) => Uint8Array {
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(random() * 256) & 0xff;
    return out;
  };
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function prime(name: string, value: bigint): bigint {
  if (value < 2n || !isProbablePrime(value)) outOfRange(`${name} must be a prime`);
  return value;
}

export class KeyExchange {
  /** The fixed half of the AES key (SET_FIXED_ENCRYPTION_KEY). */
  fixedKey: bigint;
  private generator: bigint | undefined;
  private modulus: bigint | undefined;

  constructor(
    fixedKey: bigint,
    private readonly randomBytes: ((n: number) => Uint8Array) | undefined,
    private readonly hooks: KeyExchangeHooks,
  ) {
    this.fixedKey = fixedKey;
  }

  /** Power-up: the negotiation starts again (the fixed key stays). */
  reset(): void {
    this.generator = undefined;
    this.modulus = undefined;
  }

  handlers(): Handlers {
    return {
      SET_GENERATOR: ({ generator }) => {
        this.generator = prime('generator', generator);
      },
      SET_MODULUS: ({ modulus }) => {
        this.modulus = prime('modulus', modulus);
      },
      REQUEST_KEY_EXCHANGE: ({ hostInterKey }) => {
        const { generator, modulus } = this;
        if (generator === undefined || modulus === undefined) fail('generator and modulus first');
        const secret = this.randomBytes ? bytesToBigInt(this.randomBytes(4)) | 2n : undefined;
        let result;
        try {
          result = slaveKeyExchange(generator, modulus, hostInterKey, secret);
        } catch {
          fail('key exchange failed');
        }
        this.hooks.keyAgreed(buildAesKey(this.fixedKey, result.key));
        return { slaveInterKey: result.slaveInterKey };
      },
      SET_FIXED_ENCRYPTION_KEY: ({ fixedKey }) => {
        this.fixedKey = fixedKey;
      },
      RESET_FIXED_ENCRYPTION_KEY: () => {
        this.fixedKey = DEFAULT_FIXED_KEY;
        this.hooks.resetRequested();
      },
    };
  }
}
