// The catalogs' messages for texts made outside the page (src/lib/i18n-text.ts), as the worker installs them.
import '../src/lib/i18n-catalog';
