import { startService } from '#shared';

import app from './app.js';
import { loadCoreConfig } from './config.js';

await startService({
  name: 'core-service',
  packageJson: new URL('../package.json', import.meta.url),
  config: loadCoreConfig(),
  app,
});
