/**
 * Usage reports for an org's admins (SPEC ID-8, AD-2): JSON, or CSV to download.
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { adminReports } from '@flint/protocol';
import type { Core } from '../../core.ts';
import { usageCsv, usageReport } from '../../admin/usage-report.ts';
import { REPLY_SENT, route } from '../route.ts';

export function adminReportRoutes(app: FastifyInstance, core: Core): void {
  route(app, core, adminReports.usageReport, async ({ actor, query }) => ({ days: await usageReport(core, actor, query) }));
  route(app, core, adminReports.usageReportCsv, async ({ actor, query, reply }) => {
    const csv = usageCsv(await usageReport(core, actor, query));
    void reply
      .code(200)
      .header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="flint-usage-${query.from}-${query.to}.csv"`)
      .send(csv);
    return REPLY_SENT;
  });
}
