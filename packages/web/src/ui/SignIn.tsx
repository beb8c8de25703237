/**
 * Sign in and sign up (SPEC ID-1), and "Forgot password?" (issue 16): the address gets a reset
 * link by e-mail; the answer never says whether it has an account.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { FlintError } from '@flint/sdk';
import { useI18n, type I18nKey } from '../i18n/index.tsx';
import { EnrollDevice, type EnrollTarget } from './EnrollDevice.tsx';
import { newClient, Session } from '../app/session.ts';
import { startSso } from '../app/admin-api.ts';
import { ssoNonce } from '../app/kms-device.ts';
import { go } from '../app/router.ts';
import { LanguagePicker } from './LanguagePicker.tsx';
import { Problem } from './Problem.tsx';
import { AuthCard } from './AuthCard.tsx';

/** What the server's `#/sso-error/<code>` means, in the reader's language (issue 18). */
const SSO_ERROR_KEYS = {
  expired: 'ssoErrorExpired',
  refused: 'ssoErrorRefused',
  outside_domains: 'ssoErrorOutside',
  no_account: 'ssoErrorNoAccount',
  idp_error: 'ssoErrorIdp',
} as const;

/** The KMS refused this browser: the password credential it holds is not the password just used. */
export function isStaleKmsPassword(message: string): boolean {
  return /password credential does not match/i.test(message);
}

/** The KMS's refusals of this browser, by the code in its reason, in the reader's language. */
const KMS_PROBLEMS: [RegExp, I18nKey][] = [
  [/idp_proof_required/, 'kmsIdpRequired'],
  [/idp_proof_expired/, 'kmsIdpExpired'],
  [/idp_proof_invalid/, 'kmsIdpInvalid'],
  [/idp_unavailable/, 'kmsIdpUnavailable'],
  [/first_device_approval/, 'kmsFirstDeviceApproval'],
  [/recovery_invalid/, 'kmsRecoveryInvalid'],
  [/password credential does not match/i, 'kmsPasswordStale'],
  [/not enrolled/, 'kmsNotEnrolled'],
];

/** The i18n key of a KMS refusal's message, if it is one. */
export function kmsProblemKey(message: string): I18nKey | undefined {
  return KMS_PROBLEMS.find(([pattern]) => pattern.test(message))?.[1];
}

/** Whether a KMS refusal means this browser is not enrolled (approval, a recovery key or a code can help), rather than a missing provider's proof. */
export function isKmsEnrollmentRefusal(message: string): boolean {
  const key = kmsProblemKey(message);
  return key !== undefined && !key.startsWith('kmsIdp');
}

export function SignIn({
  error,
  notice,
  ssoError,
  onSession,
  enroll,
  onEnrollRetry,
}: {
  error?: string | undefined;
  notice?: string | undefined;
  ssoError?: string | undefined;
  onSession: (s: Session) => Promise<void>;
  /** The person signed in at the core whose browser the KMS refused: offer approval and a recovery key. */
  enroll?: EnrollTarget | undefined;
  onEnrollRetry?: ((recovery?: string) => void) | undefined;
}) {
  const { t } = useI18n();
  const shown = (message: string): string => {
    const key = kmsProblemKey(message);
    return key === undefined ? message : t(key);
  };
  const ssoProblem = ssoError === undefined ? undefined : t(SSO_ERROR_KEYS[ssoError as keyof typeof SSO_ERROR_KEYS] ?? 'ssoErrorRefused');
  const [mode, setMode] = useState<'in' | 'up' | 'forgot'>('in');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(error !== undefined ? shown(error) : ssoProblem);
  const [status, setStatus] = useState<string | undefined>();
  const [sent, setSent] = useState<string | undefined>(notice);
  // After a sign-up the server mailed (a confirmation link, or "you have an account"): the address.
  const [mailedTo, setMailedTo] = useState<string | undefined>();

  /** Enter the address, go to the org's identity provider (which sends the browser back signed in). */
  const singleSignOn = async () => {
    setProblem(undefined);
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim())) {
      setProblem(t('ssoNeedEmail'));
      return;
    }
    setBusy(true);
    try {
      const nonce = await ssoNonce();
      const start = await startSso(newClient(), email.trim(), nonce);
      // The provider must be asked for this browser's nonce, or the ID token it returns would prove
      // a sign-in to someone else's secret (a core that swapped it could take the proof to the KMS).
      // A SAML IdP (its AuthnRequest in the URL) gets no nonce: a SAML sign-in is never a KMS proof,
      // so a core that sent the browser there instead would only get a session the KMS does not trust.
      const target = start.redirectUrl !== undefined ? new URL(start.redirectUrl).searchParams : undefined;
      if (start.sso && target !== undefined && !target.has('SAMLRequest') && target.get('nonce') !== nonce) {
        setProblem(t('ssoErrorRefused'));
        setBusy(false);
        return;
      }
      if (start.sso && start.redirectUrl !== undefined) {
        setStatus(t('ssoRedirecting'));
        window.location.assign(start.redirectUrl);
        return;
      }
      setProblem(t('ssoNotUsed'));
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
    setBusy(false);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(undefined);
    setSent(undefined);
    try {
      if (mode === 'forgot') {
        await newClient().auth.requestPasswordReset(email);
        setSent(t('resetSent', { email }));
        setMode('in');
        setBusy(false);
        return;
      }
      const session = mode === 'in' ? await Session.signIn(email, password) : await Session.register({ email, password, displayName });
      if (session === 'mailed') {
        setMailedTo(email);
        setBusy(false);
        return;
      }
      if (ssoError !== undefined) go({ view: 'home' });
      await onSession(session);
    } catch (err) {
      // The org signs its people in through its provider: go there instead.
      if (err instanceof FlintError && err.code === 'sso_required') {
        await singleSignOn();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      setProblem(shown(message));
      setBusy(false);
    }
  };

  if (mailedTo !== undefined) {
    return (
      <AuthCard titleId="auth-title" title={t('signupCheckEmailTitle')}>
        <p role="status">{t('signupCheckEmail', { email: mailedTo })}</p>
        <p className="muted small">{t('signupCheckEmailHint')}</p>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMailedTo(undefined);
            setMode('in');
          }}
        >
          {t('haveAccount')}
        </button>
        <LanguagePicker />
      </AuthCard>
    );
  }

  const title = mode === 'in' ? t('signIn') : mode === 'up' ? t('signUp') : t('forgotTitle');
  return (
    <AuthCard titleId="auth-title" title={title}>
      {sent !== undefined && (
        <p className="notice" role="status">
          {sent}
        </p>
      )}
      {mode === 'forgot' && <p className="muted small">{t('forgotIntro')}</p>}
      <form onSubmit={(e) => void submit(e)} className="stack">
        {mode === 'up' && (
          <label>
            {t('displayName')}
            <input name="displayName" autoComplete="name" required maxLength={128} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
          </label>
        )}
        <label>
          {t('email')}
          <input name="email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        {mode !== 'forgot' && (
          <label>
            {t('password')}
            <input
              name="password"
              type="password"
              autoComplete={mode === 'in' ? 'current-password' : 'new-password'}
              required
              minLength={mode === 'up' ? 10 : 1}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
        )}
        <Problem text={problem} />
        {status !== undefined && (
          <p className="muted" role="status">
            {status}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'forgot' ? t('sendResetLink') : title}
        </button>
      </form>
      {mode === 'in' && (
        <>
          <button type="button" className="link" onClick={() => (setMode('forgot'), setProblem(undefined), setSent(undefined))}>
            {t('forgotPassword')}
          </button>
          <div className="stack sso-choice">
            <p className="muted small divider-text">{t('ssoOr')}</p>
            <button type="button" disabled={busy} onClick={() => void singleSignOn()}>
              {t('ssoContinue')}
            </button>
          </div>
        </>
      )}
      {enroll !== undefined && onEnrollRetry !== undefined && <EnrollDevice target={enroll} onRetry={onEnrollRetry} />}
      <button type="button" className="link" onClick={() => (setMode(mode === 'in' ? 'up' : 'in'), setProblem(undefined))}>
        {mode === 'in' ? t('noAccount') : mode === 'up' ? t('haveAccount') : t('backToSignIn')}
      </button>
      <p className="muted small">{t('e2eeNote')}</p>
      <LanguagePicker />
    </AuthCard>
  );
}
