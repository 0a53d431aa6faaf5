import { startService } from '#shared';

import app from './app.js';
import { loadAuthConfig } from './config.js';

await startService({
  name: 'auth-service',
  packageJson: new URL('../package.json', import.meta.url),
  config: loadAuthConfig(),
  app,
});
