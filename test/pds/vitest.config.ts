import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The opt-in suite against a real PDS (npm run test:pds from the repository
// root). Its files end in .pds.ts, so the project's own `vitest run`
// (test/**/*.test.ts) never picks them up.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.pds.ts'],
    setupFiles: ['../setup/loopback-only.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
