import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests import workspace packages from their TypeScript sources: no build needed first.
  ssr: { resolve: { conditions: ['workspace-source', ...defaultServerConditions] } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
