/**
 * Location sharing's views (SPEC MS-6): the setting in Settings, the composer's "Share location"
 * (shown only while the setting is on; it reads the position, names the nearest city in the tab,
 * and shows what would be sent before anything is), and a shared place in the timeline — its city,
 * country and coordinates, and a link to open it on OpenStreetMap (a link only: nothing is fetched).
 * @module
 */
import { useEffect, useState } from 'react';
import { mapLink, type SharedLocation } from '@flint/sdk';
import { useI18n, type I18nKey } from '../i18n/index.tsx';
import { LocationError, locate, locationSharingOn, setLocationSharing, shareLocation, type LocationProblem } from '../app/location.ts';
import { useAppStore } from './store-context.ts';
import { Dialog } from './Dialog.tsx';
import { Icon } from './Icon.tsx';

const PROBLEMS: Record<LocationProblem, I18nKey> = {
  unsupported: 'locationUnsupported',
  denied: 'locationDenied',
  unavailable: 'locationUnavailable',
  timeout: 'locationTimeout',
};

/** "Paris, France" in the reader's language (the country by Intl.DisplayNames). */
function usePlace(): (location: SharedLocation) => string | undefined {
  const { language } = useI18n();
  return (location) => {
    if (location.city === undefined) return undefined;
    if (location.countryCode === undefined) return location.city;
    let country: string | undefined;
    try {
      country = new Intl.DisplayNames([language], { type: 'region' }).of(location.countryCode);
    } catch {
      country = location.countryCode;
    }
    return `${location.city}, ${country ?? location.countryCode}`;
  };
}

function useCoordinates(): (location: SharedLocation) => string {
  const { t, language } = useI18n();
  const fmt = new Intl.NumberFormat(language, { minimumFractionDigits: 5, maximumFractionDigits: 5 });
  return (location) => t('locationCoordinates', { lat: fmt.format(location.latitude), lon: fmt.format(location.longitude) });
}

/** Settings → Location: off until the person turns it on, in this browser. */
export function LocationSettingCard() {
  const { t } = useI18n();
  const store = useAppStore();
  const [on, setOn] = useState(() => locationSharingOn(store.me));
  return (
    <section aria-labelledby="location-title" className="card stack">
      <h2 id="location-title">{t('locationTitle')}</h2>
      <label className="row">
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            setLocationSharing(store.me, e.target.checked);
            setOn(locationSharingOn(store.me));
          }}
        />
        {t('locationSetting')}
      </label>
      <p className="muted small">{t('locationSettingNote')}</p>
    </section>
  );
}

/** The composer's button and the dialog it opens. */
export function ShareLocationButton({ roomId, title, parentId }: { roomId: string; title: string; parentId?: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="icon-button" aria-label={t('shareLocation')} title={t('shareLocation')} onClick={() => setOpen(true)}>
        <Icon name="pin" size={20} />
      </button>
      {open && <ShareLocationDialog roomId={roomId} title={title} {...(parentId !== undefined ? { parentId } : {})} onClose={() => setOpen(false)} />}
    </>
  );
}

type Step = { kind: 'locating' } | { kind: 'ready'; location: SharedLocation } | { kind: 'sending'; location: SharedLocation } | { kind: 'failed'; problem: I18nKey };

function ShareLocationDialog({ roomId, title, parentId, onClose }: { roomId: string; title: string; parentId?: string; onClose: () => void }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [step, setStep] = useState<Step>({ kind: 'locating' });

  useEffect(() => {
    let live = true;
    locate().then(
      (location) => live && setStep({ kind: 'ready', location }),
      (error: unknown) => {
        if (!live) return;
        if (error instanceof LocationError) setStep({ kind: 'failed', problem: PROBLEMS[error.problem] });
        else {
          onClose();
          store.fail(error);
        }
      },
    );
    return () => {
      live = false;
    };
  }, []);

  const send = (location: SharedLocation) => {
    setStep({ kind: 'sending', location });
    shareLocation(store, roomId, location, parentId).then(onClose, (error: unknown) => {
      onClose();
      store.fail(error);
    });
  };

  return (
    <Dialog title={t('shareLocationTitle', { space: title })} onClose={onClose} className="location-dialog">
      {step.kind === 'locating' && (
        <p role="status" className="muted">
          {t('locating')}
        </p>
      )}
      {step.kind === 'failed' && (
        <p role="alert" className="error">
          {t(step.problem)}
        </p>
      )}
      {(step.kind === 'ready' || step.kind === 'sending') && <LocationCard location={step.location} preview />}
      <div className="row end">
        <button type="button" onClick={onClose}>
          {t('cancel')}
        </button>
        {(step.kind === 'ready' || step.kind === 'sending') && (
          <button type="button" className="primary" disabled={step.kind === 'sending'} data-autofocus onClick={() => send(step.location)}>
            {t('shareLocationSend')}
          </button>
        )}
      </div>
    </Dialog>
  );
}

/** A shared place: city and country, coordinates (and accuracy in a preview), and the map link. */
export function LocationCard({ location, preview = false }: { location: SharedLocation; preview?: boolean }) {
  const { t } = useI18n();
  const place = usePlace()(location);
  const coordinates = useCoordinates()(location);
  return (
    <div className="location-card" role="group" aria-label={t('sharedLocation')}>
      <Icon name="pin" size={22} />
      <div className="stack-tight">
        <strong className="location-place">{place ?? t('locationNoCity')}</strong>
        <span className="muted small">{coordinates}</span>
        {preview && location.accuracy !== undefined && <span className="muted small">{t('locationAccuracy', { meters: String(Math.round(location.accuracy)) })}</span>}
        <a className="small" href={mapLink(location)} target="_blank" rel="noopener noreferrer">
          {t('openMap')}
        </a>
      </div>
    </div>
  );
}
