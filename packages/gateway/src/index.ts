/**
 * Flint's Webex-compatible `/v1` API gateway (security realm): plaintext for bots and Webex SDKs,
 * sealed and opened with each caller's own KMS access, over the core's native API.
 * @module
 */
export { gatewayPlugin, type GatewayOptions } from './gateway.ts';
export type { CoreAccess } from './callers.ts';
export type { AddressCheck } from './files/guarded-fetch.ts';
export { GATEWAY_LIMITS } from './limits.ts';
export { loopbackCoreAccess, loopbackUrl, pinnedFetch, pinnedWebSocket } from './loopback.ts';
export { createGatewayServer, type GatewayServer, type GatewayServerConfig } from './server.ts';
