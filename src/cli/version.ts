// The release version has one source, package.json; the bundler inlines it into dist/.
import pkg from '../../package.json' with { type: 'json' };

/** The release version (package.json's). */
export const VERSION: string = pkg.version;
