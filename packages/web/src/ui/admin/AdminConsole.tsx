/**
 * The admin console (SPEC ID-7, CP-5, ID-3, ID-5, CP-2): people, invitations, domains, policies and the
 * audit log, for the org's admins; the Compliance page for its compliance officers. Its own lazily loaded chunk; the server refuses every admin call
 * from anyone else, so the check here only spares a non-admin a page of errors.
 * @module
 */
import { useI18n } from '../../i18n/index.tsx';
import { ADMIN_SECTIONS, href, type AdminSection } from '../../app/router.ts';
import { useAppStore } from '../store-context.ts';
import { PeopleAdmin } from './PeopleAdmin.tsx';
import { InvitationsAdmin } from './InvitationsAdmin.tsx';
import { DomainsAdmin } from './DomainsAdmin.tsx';
import { PoliciesAdmin } from './PoliciesAdmin.tsx';
import { SsoAdmin } from './SsoAdmin.tsx';
import { ScimAdmin } from './ScimAdmin.tsx';
import { AuditLog } from './AuditLog.tsx';
import { UsageReport } from './UsageReport.tsx';
import { RolesAdmin } from './RolesAdmin.tsx';
import { LicensesAdmin } from './LicensesAdmin.tsx';
import { HealthAdmin } from './HealthAdmin.tsx';
import { NoticesAdmin } from './NoticesAdmin.tsx';
import { FeedbackAdmin } from './FeedbackAdmin.tsx';
import { BrandingAdmin } from './BrandingAdmin.tsx';
import { ComplianceAdmin } from './ComplianceAdmin.tsx';
import { RetentionAdmin } from './RetentionAdmin.tsx';
import { CareAdmin } from './CareAdmin.tsx';
import { TelephonyAdmin } from './telephony/TelephonyAdmin.tsx';

const TITLES = {
  people: 'adminPeople',
  invitations: 'adminInvitations',
  domains: 'adminDomains',
  policies: 'adminPolicies',
  branding: 'adminBranding',
  sso: 'adminSso',
  scim: 'adminScim',
  retention: 'adminRetention',
  care: 'adminCare',
  telephony: 'adminTelephony',
  reports: 'adminReports',
  feedback: 'adminFeedback',
  audit: 'adminAudit',
  roles: 'adminRoles',
  licenses: 'adminLicenses',
  health: 'adminHealth',
  notices: 'adminNotices',
  compliance: 'adminCompliance',
} as const satisfies Record<AdminSection, string>;

export default function AdminConsole({ section }: { section: AdminSection }) {
  const { t } = useI18n();
  const store = useAppStore();
  const isAdmin = store.session.me.roles?.includes('org_admin') === true;
  const isOfficer = store.session.me.roles?.includes('compliance_officer') === true;
  // Admins see the admin sections, compliance officers the Compliance page; someone may be both.
  const sections = ADMIN_SECTIONS.filter((s) => (s === 'compliance' ? isOfficer : isAdmin));
  const allowed = sections.includes(section);
  return (
    <div className="admin">
      <h1>{t('adminConsole')}</h1>
      {!allowed ? (
        <p role="alert">{section === 'compliance' ? t('complianceOnly') : t('adminOnly')}</p>
      ) : (
        <>
          <nav aria-label={t('adminSections')}>
            <ul className="admin-tabs">
              {sections.map((s) => (
                <li key={s}>
                  <a href={href({ view: 'admin', section: s })} aria-current={s === section ? 'page' : undefined}>
                    {t(TITLES[s])}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <section aria-labelledby="admin-section-title" className="stack">
            <h2 id="admin-section-title">{t(TITLES[section])}</h2>
            {section === 'people' && <PeopleAdmin />}
            {section === 'invitations' && <InvitationsAdmin />}
            {section === 'domains' && <DomainsAdmin />}
            {section === 'policies' && <PoliciesAdmin />}
            {section === 'branding' && <BrandingAdmin />}
            {section === 'sso' && <SsoAdmin />}
            {section === 'scim' && <ScimAdmin />}
            {section === 'retention' && <RetentionAdmin />}
            {section === 'care' && <CareAdmin />}
            {section === 'telephony' && <TelephonyAdmin />}
            {section === 'reports' && <UsageReport />}
            {section === 'feedback' && <FeedbackAdmin />}
            {section === 'audit' && <AuditLog />}
            {section === 'roles' && <RolesAdmin />}
            {section === 'licenses' && <LicensesAdmin />}
            {section === 'health' && <HealthAdmin />}
            {section === 'notices' && <NoticesAdmin />}
            {section === 'compliance' && <ComplianceAdmin />}
          </section>
        </>
      )}
    </div>
  );
}
