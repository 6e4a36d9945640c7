/**
 * Installs every message of the catalogs for renderText (see i18n-text.ts). Imported first by the worker's entry and
 * the tests' setup; the page imports it as a chunk of its own, after it starts.
 */
import { m } from '../paraglide/messages.js';
import { installCatalog } from './i18n-text';

installCatalog(m);
