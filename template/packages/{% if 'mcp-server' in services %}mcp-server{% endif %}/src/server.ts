import { startService } from '#shared';

import app from './app.js';
import { loadMcpConfig } from './config.js';

const config = loadMcpConfig();

await startService({
  name: 'mcp-server',
  packageJson: new URL('../package.json', import.meta.url),
  config,
  app,
  // Tools call core-service on the caller's behalf, with the caller's token.
  forwardAuthorizationTo: [config.CORE_SERVICE_URL],
});
