/**
 * The card every page outside the app proper stands on (sign-in, sign-up confirmation, password reset,
 * invitation, app passcode): the logo, the page's title as its label, and the page's content.
 */
import type { ReactNode } from 'react';

export function AuthCard({ title, titleId, children }: { title: string; titleId: string; children: ReactNode }) {
  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby={titleId}>
        <div className="brand-lg" aria-hidden="true">
          <img src="./icon.svg" alt="" width="48" height="48" />
        </div>
        <h1 id={titleId}>{title}</h1>
        {children}
      </main>
    </div>
  );
}
