import { defineConfig } from 'vitest/config';

/** The slow deployment tests (a Debian root, a real boot with systemd): `npm run test:deploy`, run by .ci/run. */
export default defineConfig({
  test: {
    include: ['tests/**/*.slow.ts'],
    testTimeout: 600_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
