import { randomBytes } from 'node:crypto';
import { CRC16_CATALOGUE } from '../src/core/crc.js';
import { measureBytes, type BenchCase } from './types.js';

const data = randomBytes(64 * 1024);

const cases: BenchCase[] = CRC16_CATALOGUE.map((crc) => ({
  name: crc.name,
  unit: 'MB/s',
  target: 50,
  run: () => Promise.resolve({ value: measureBytes(() => crc.compute(data), data.length) }),
}));

export default cases;
