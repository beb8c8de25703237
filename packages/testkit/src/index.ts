/**
 * Test helpers: a whole Flint in-process, fresh databases on SQLite or PostgreSQL.
 * @module
 */
import type * as Dns from './dns-server.ts';
import type * as Oidc from './oidc-idp.ts';
import type * as S3 from './s3.ts';
import type * as Saml from './saml-idp.ts';
import type * as Smtp from './smtp.ts';

export { startFlint, invitationTokenFrom, TEST_PASSWORD, type TestFlint, type StartOptions } from './flint.ts';
export { createTestDatabase, testDatabaseEngine, type TestDatabase } from './database.ts';
export { raw, errorOf, type RawResponse, type RawRequest } from './http.ts';
export { selfSignedCertificate } from './tls.ts';
export { freePort } from './flint.ts';
export { collect, NodeWebSocket, type Collector } from './events.ts';
export { spawnFlint, spawnGateway, spawnKms, FLINT_BIN, FLINT_SOURCE_BIN, type FlintProcess } from './process.ts';
export { launchChromium, webDist, CHROMIUM, PAGE_WAIT, signInPage, openSpacePage } from './browser.ts';
export { launchFirefox, hasFirefox, signInFirefox, role, clickIn, fillIn, seeText, FIREFOX, FIREFOX_WAIT, FIREFOX_MEDIA_PREFS, type FirefoxBrowser, type FirefoxPage } from './firefox.ts';
export { assertAccessible, axeViolations, type AxeViolation } from './axe.ts';
export { startWebhookReceiver, type WebhookReceiver, type ReceivedDelivery, type Responder } from './webhook-receiver.ts';
export { scanForPlaintext, type PlaintextScan } from './plaintext-scan.ts';
export type { TestS3 } from './s3.ts';
export { samplePdf, sampleImage } from './sample-files.ts';
export { measureTransfer, memory as processMemory, resetPeak as resetPeakMemory, type TransferMeasurement } from './file-transfer.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { seededBytes, filesUnder } from './file-bytes.ts';
export type { TestDnsServer } from './dns-server.ts';
export { stateDigest, settledDigest, changedTables, type StateDigest } from './state-digest.ts';
export type { TestSmtpServer, ReceivedMail } from './smtp.ts';
export { startPushService, type TestPushService, type TestPushSubscription, type ReceivedPush } from './push-service.ts';
export type { TestIdp, IdpAccount } from './oidc-idp.ts';
export type { TestSamlIdp, SamlResponseOptions } from './saml-idp.ts';
export { until } from './until.ts';
export { IN_TEST_NETNS, NETNS_SETUP, runInTestNetns } from './netns.ts';
export { indexedDbDump, type IndexedDbContents } from './indexed-db.ts';

// Helpers built on heavy libraries (an S3 server, a DNS server, an SMTP server, an OpenID Provider, a
// SAML IdP) are loaded when a test first starts one: every test file imports this module, few use
// them, and loading them all cost each file ~1.5 s of CPU (per-file times from scripts/test.mjs).
export const startS3: typeof S3.startS3 = async (...args) => (await import('./s3.ts')).startS3(...args);
export const startDnsServer: typeof Dns.startDnsServer = async (...args) => (await import('./dns-server.ts')).startDnsServer(...args);
export const startSmtpServer: typeof Smtp.startSmtpServer = async (...args) => (await import('./smtp.ts')).startSmtpServer(...args);
export const startOidcIdp: typeof Oidc.startOidcIdp = async (...args) => (await import('./oidc-idp.ts')).startOidcIdp(...args);
export const startSamlIdp: typeof Saml.startSamlIdp = async (...args) => (await import('./saml-idp.ts')).startSamlIdp(...args);
export { callRemoteAudio, remoteAudioLevels } from './meeting-media.ts';
