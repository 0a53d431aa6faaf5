export * from './config.js';
export * from './logger.js';
export * from './mask.js';
export * from './request-context.js';
export * from './http/create-server.js';
export * from './http/fastify-logger.js';
export * from './http/health.js';
export * from './http/start-service.js';
