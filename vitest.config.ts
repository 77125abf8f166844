import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // forks, not threads: serialport's native binding aborts the process when its poller fires in a worker thread
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // the JSON report lets CI print a plain "N passed, N failed" closing line
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
  },
});
