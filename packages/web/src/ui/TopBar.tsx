/**
 * The top bar: menu (phones), the org's logo and name, the search box (SPEC SR-1), settings and sign-out.
 * @module
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { go, href, type Route } from '../app/router.ts';
import { useAppStore } from './store-context.ts';
import { Avatar } from './Avatar.tsx';
import { Icon } from './Icon.tsx';
import { StatusButton } from './Status.tsx';

/**
 * The organization's logo and name (issue 16), so people see whose Flint this is. With a logo, the
 * name is hidden at phone width but stays the image's accessible name; without one, the name alone.
 */
function OrgBrand() {
  const store = useAppStore();
  const [broken, setBroken] = useState<string | undefined>();
  const org = store.session.orgBranding;
  if (org === undefined) return null;
  const logo = org.logo !== undefined && org.logo !== broken ? org.logo : undefined;
  return (
    // Also a link home: on phones it stands in for Flint's own mark, which makes room for the search box.
    <a className={logo !== undefined ? 'org-brand with-logo' : 'org-brand'} href={href({ view: 'home' })} data-testid="org-brand" title={org.name}>
      {/* A logo that fails to load falls back to the name alone rather than a broken image. */}
      {logo !== undefined && <img className="org-logo" src={logo} alt="" height="28" onError={() => setBroken(logo)} />}
      <span className="org-name">{org.name}</span>
    </a>
  );
}

export function TopBar({ onSignOut, onMenu, route }: { onSignOut: () => Promise<void>; onMenu: () => void; route: Route }) {
  const { t } = useI18n();
  const store = useAppStore();
  const [query, setQuery] = useState(route.view === 'search' ? route.query : '');
  useEffect(() => {
    if (route.view === 'search') setQuery(route.query);
  }, [route]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (query.trim() !== '') go({ view: 'search', query: query.trim() });
  };
  return (
    <header className="topbar">
      <button type="button" className="icon-button menu-button" aria-label={t('openMenu')} onClick={onMenu}>
        <Icon name="menu" />
      </button>
      <a className="brand" href={href({ view: 'home' })}>
        {/* The logo names the link: the word beside it is hidden at phone width. */}
        <img src="./icon.svg" alt={t('appName')} width="24" height="24" />
        <span aria-hidden="true">{t('appName')}</span>
      </a>
      <OrgBrand />
      <form role="search" className="search-form" onSubmit={submit}>
        <input type="search" aria-label={t('search')} placeholder={t('searchPlaceholder')} value={query} onChange={(e) => setQuery(e.target.value)} />
      </form>
      {store.session.me.roles?.includes('org_admin') === true ? (
        <a className="admin-link" href={href({ view: 'admin', section: 'people' })}>
          {t('adminConsole')}
        </a>
      ) : (
        store.session.me.roles?.includes('compliance_officer') === true && (
          <a className="admin-link" href={href({ view: 'admin', section: 'compliance' })}>
            {t('adminCompliance')}
          </a>
        )
      )}
      <StatusButton />
      <a className="icon-button" href={href({ view: 'settings' })} title={t('settings')}>
        {/* Named by text, not aria-label, so the avatar's initials do not contradict the name. */}
        <Avatar personId={store.me} size={28} />
        <span className="visually-hidden">{t('settings')}</span>
      </a>
      <button type="button" className="ghost" onClick={() => void onSignOut()}>
        {t('signOut')}
      </button>
    </header>
  );
}
