/**
 * The web app's entry: renders the app and registers the service worker (which caches the app
 * shell only: see build/service-worker.mjs).
 * @module
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App.tsx';
import './styles.css';
import { takeSsoProof } from './app/kms-device.ts';

// Back from single sign-on with the provider's ID token in the fragment: keep it for the KMS, out of the address bar.
takeSsoProof();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

if ('serviceWorker' in navigator && window.isSecureContext) {
  window.addEventListener('load', () => {
    void navigator.serviceWorker.register('./sw.js').catch(() => undefined);
  });
}
