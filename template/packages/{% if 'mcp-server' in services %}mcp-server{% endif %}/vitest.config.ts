import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests import workspace packages from their TypeScript sources: no build needed first.
  ssr: { resolve: { conditions: ['workspace-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // `npm run test:coverage` (CI): how much of the sources the tests run, failing below the floors.
    coverage: {
      provider: 'v8',
      include: ['src/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 70, branches: 30 },
    },
  },
});
