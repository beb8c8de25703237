/// <reference types="vite/client" />

/** The packed GeoNames city list (build/cities.mjs), for location sharing. */
declare module 'virtual:flint-cities' {
  const packed: string;
  export default packed;
}
