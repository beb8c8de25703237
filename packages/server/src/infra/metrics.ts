/**
 * Prometheus metrics. One registry per server instance (not the global one), so several
 * in-process instances in tests do not collide.
 * @module
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  signIns: Counter<'result'>;
  /** Background jobs settled, by queue and outcome (done, retry, failed, released). */
  jobs: Counter<'queue' | 'outcome'>;
  /** Webhook delivery attempts by result (delivered, failed, dropped), and webhooks auto-disabled. */
  webhookDeliveries: Counter<'result'>;
  webhooksDisabled: Counter;
  /** Web Push attempts by result (sent, gone, failed), and e-mail digests sent. */
  pushes: Counter<'result'>;
  digests: Counter;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'flint_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'flint_http_requests_total',
      help: 'HTTP requests by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'flint_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    signIns: new Counter({
      name: 'flint_sign_ins_total',
      help: 'Sign-in attempts by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    jobs: new Counter({
      name: 'flint_jobs_total',
      help: 'Background jobs settled, by queue and outcome',
      labelNames: ['queue', 'outcome'],
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'flint_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result',
      labelNames: ['result'],
      registers: [registry],
    }),
    pushes: new Counter({
      name: 'flint_pushes_total',
      help: 'Web Push attempts by result (sent, gone: subscription removed, failed: retried)',
      labelNames: ['result'],
      registers: [registry],
    }),
    digests: new Counter({
      name: 'flint_notification_digests_total',
      help: 'E-mail digests of unread activity sent',
      registers: [registry],
    }),
    webhooksDisabled: new Counter({
      name: 'flint_webhooks_disabled_total',
      help: 'Webhooks set inactive after repeated failed deliveries',
      registers: [registry],
    }),
  };
}
