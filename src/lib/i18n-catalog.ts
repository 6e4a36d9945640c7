/**
 * Installs every message of the catalogs for renderText (see i18n-text.ts), and the English wording of the lower
 * layers' errors (shared/errors.ts). Imported first by the worker's entry and the tests' setup; the page imports it as
 * a chunk of its own, after it starts.
 */
import { m } from '../paraglide/messages.js';
import { english, errorText, installCatalog } from './i18n-text';
import { installEnglish } from './shared/errors';

installCatalog(m);
installEnglish((e) => english(errorText(e)));
