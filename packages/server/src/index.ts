/**
 * Flint's core realm: identity, spaces, messages and events, storing ciphertext only.
 * @module
 */
export { createServer, type FlintServer, type ServerOptions } from './server.ts';
export { loadConfig, readEnv, ConfigError, ENV_VARS, type FlintConfig, type ConfigFlags } from './config/config.ts';
export { ApiError } from './errors.ts';
export { validatorCompiler } from './http/validation.ts';
export { createLogger, stdoutLogDestination, PipeLogDestination, type Logger } from './infra/logger.ts';
export { addressAllowed, parseAllowList, guardedLookup, refusedHost, EMPTY_ALLOW_LIST, type AddressPolicy } from './infra/address-policy.ts';
export type { Core, Actor } from './core.ts';
export { JanusVideoRoom } from './meetings/janus.ts';
export type { MediaState, MeetingMedia } from './meetings/media.ts';
export type { SipEngine } from './telephony/sip-engine.ts';
export type { RtpRelay } from './telephony/rtp-relay.ts';
export { NgClient, NgError, bencode, bdecode, type Bencoded } from './telephony/media/ng-client.ts';
export { httpKmsLink, type KmsLink, type KmsDiscoveryInfo } from './kms-link/kms-link.ts';
export { OutboundKmsLink } from './kms-link/outbound-link.ts';
export { runRetention, type RetentionOptions, type RetentionResult } from './retention/sweep.ts';
export { scheduleRetention, RETENTION_QUEUE } from './retention/retention-job.ts';
