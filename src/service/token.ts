/** The access token: `<data>/token`, created once with mode 0600, compared in constant time. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, KioskbusError } from '../core/errors.js';

export interface TokenFile {
  token: string;
  path: string;
  /** The file was created now (the CLI prints the token on the first start only). */
  created: boolean;
}

export function loadOrCreateToken(dataDir: string): TokenFile {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'token');
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length < 16) {
      throw new KioskbusError(ErrorCode.InvalidArgument, `${path} holds no usable token; delete it to get a new one`);
    }
    if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
    return { token, path, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, path, created: true };
}

/** Constant-time comparison of a presented token with the real one. */
export function tokenMatches(presented: string | undefined, token: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
