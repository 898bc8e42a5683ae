import pkg from '../../package.json';

/** The application version, from package.json (bundled at build time). */
export const APP_VERSION: string = pkg.version;
export const PRODUCT_NAME: string = pkg.productName;
