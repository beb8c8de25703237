/**
 * The signed-in store, handed down the component tree: App provides it, every view reads it with
 * `useAppStore`. Its own module so that views need not import App (which imports them).
 * @module
 */
import { createContext, useContext } from 'react';
import { useStore, type Store } from '../app/store.ts';

export const StoreContext = createContext<Store | undefined>(undefined);

/** The store, re-rendering the caller on each of its changes. */
export function useAppStore(): Store {
  const store = useContext(StoreContext);
  if (store === undefined) throw new Error('no store');
  useStore(store);
  return store;
}
