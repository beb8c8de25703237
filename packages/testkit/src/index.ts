/**
 * Test helpers: a whole Flint in-process, fresh databases on SQLite or PostgreSQL.
 * @module
 */
export { startFlint, invitationTokenFrom, TEST_PASSWORD, type TestFlint, type StartOptions } from './flint.ts';
export { createTestDatabase, testDatabaseEngine, type TestDatabase } from './database.ts';
export { raw, errorOf, type RawResponse, type RawRequest } from './http.ts';
export { selfSignedCertificate } from './tls.ts';
export { freePort } from './flint.ts';
export { collect, NodeWebSocket, type Collector } from './events.ts';
export { spawnFlint, spawnGateway, spawnKms, FLINT_BIN, type FlintProcess } from './process.ts';
export { launchChromium, webDist, CHROMIUM, PAGE_WAIT, signInPage, openSpacePage } from './browser.ts';
export { launchFirefox, hasFirefox, signInFirefox, FIREFOX, FIREFOX_WAIT, FIREFOX_MEDIA_PREFS, type FirefoxBrowser, type FirefoxPage } from './firefox.ts';
export { assertAccessible, axeViolations, type AxeViolation } from './axe.ts';
export { startWebhookReceiver, type WebhookReceiver, type ReceivedDelivery, type Responder } from './webhook-receiver.ts';
export { scanForPlaintext, type PlaintextScan } from './plaintext-scan.ts';
export { startS3, type TestS3 } from './s3.ts';
export { samplePdf, sampleImage } from './sample-files.ts';
export { measureTransfer, memory as processMemory, resetPeak as resetPeakMemory, type TransferMeasurement } from './file-transfer.ts';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';
export { seededBytes, filesUnder } from './file-bytes.ts';
export * from './dns-server.ts';
export { stateDigest, settledDigest, changedTables, type StateDigest } from './state-digest.ts';
export { startSmtpServer, type TestSmtpServer, type ReceivedMail } from './smtp.ts';
export { startPushService, type TestPushService, type TestPushSubscription, type ReceivedPush } from './push-service.ts';
export { startOidcIdp, type TestIdp, type IdpAccount } from './oidc-idp.ts';
export { startSamlIdp, type TestSamlIdp, type SamlResponseOptions } from './saml-idp.ts';
export { until } from './until.ts';
export { indexedDbDump, type IndexedDbContents } from './indexed-db.ts';
