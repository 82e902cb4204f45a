/**
 * The Confluence DC versions the emulator can be, the thresholds routes switch on at (reference §1.10 and
 * "Corrections, second review"), and what each version says about itself on the three routes that carry
 * the version: `/rest/api/server-information` (9.1+), the Applinks manifest and the HTML of `/login.action`.
 */

import { createHash } from 'node:crypto';

/** The Confluence DC versions the emulator can be; each switches routes and expansions on. */
export type EmulatedVersion = '8.4' | '8.5' | '9.2' | '9.3' | '9.5' | '10.2';

/** Emulated versions, oldest first. */
export const EMULATED_VERSIONS: readonly EmulatedVersion[] = ['8.4', '8.5', '9.2', '9.3', '9.5', '10.2'];

/**
 * A `major.minor` release a capability arrived in; need not be emulated itself (server information
 * arrived in 9.1, membership writes in 8.2), so routes say what the reference says.
 */
export type VersionThreshold = EmulatedVersion | '8.2' | '9.1';

/** True when `version` is `since` or newer (numeric comparison of major, then minor). */
export function versionAtLeast(version: EmulatedVersion, since: VersionThreshold): boolean {
  const [major, minor] = parse(version);
  const [sinceMajor, sinceMinor] = parse(since);
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

function parse(version: string): [number, number] {
  const [major = '0', minor = '0'] = version.split('.');
  return [Number(major), Number(minor)];
}

/** What one emulated version reports about its build. */
export interface BuildInfo {
  /** Full version string, e.g. `8.5.16`. */
  readonly version: string;
  readonly buildNumber: number;
  readonly buildDate: string;
}

/**
 * Version strings are releases the reference names: 8.5.16 (CONFSERVER-54928 comments [S4]), 9.2.2 (v922
 * docs [S3]), 9.3.1 (v931 docs [S8]), 10.2.0 (the 10.2.0 Postman collection [S2]); 8.4.0 and 9.5.0 are the
 * first releases of their lines (assumed, not named in the reference). Build numbers and dates are NOT
 * Atlassian's: the reference gives no version → build mapping, so they follow one visible stand-in scheme
 * (major·1000 + minor·100 + patch, an integer as the spec's ServerInformation.buildNumber is) and nothing
 * should read meaning into them.
 */
export const BUILD_INFO: Readonly<Record<EmulatedVersion, BuildInfo>> = {
  '8.4': { version: '8.4.0', buildNumber: 8400, buildDate: '2023-06-20T00:00:00.000Z' },
  '8.5': { version: '8.5.16', buildNumber: 8516, buildDate: '2024-09-24T00:00:00.000Z' },
  '9.2': { version: '9.2.2', buildNumber: 9202, buildDate: '2025-01-14T00:00:00.000Z' },
  '9.3': { version: '9.3.1', buildNumber: 9301, buildDate: '2025-02-11T00:00:00.000Z' },
  '9.5': { version: '9.5.0', buildNumber: 9500, buildDate: '2025-05-20T00:00:00.000Z' },
  '10.2': { version: '10.2.0', buildNumber: 10200, buildDate: '2025-11-18T00:00:00.000Z' },
};

/** The routes that tell a client the version; which of them a version serves is {@link versionRoutesOf}. */
export type VersionRoute = 'GET /rest/api/server-information' | 'GET /rest/applinks/1.0/manifest' | 'GET /login.action';

/**
 * `/rest/api/server-information` is in the REST docs from v910 and its model is "Since: 9.1.0" (VERIFIED);
 * the manifest and the page meta tags are on every supported version (3RD-PARTY).
 */
export function versionRoutesOf(version: EmulatedVersion): readonly VersionRoute[] {
  const always: VersionRoute[] = ['GET /rest/applinks/1.0/manifest', 'GET /login.action'];
  return versionAtLeast(version, '9.1') ? ['GET /rest/api/server-information', ...always] : always;
}

/**
 * The Applinks manifest (`ManifestEntity`), the fields a client reads. `typeId`, `version`, `buildNumber`
 * (a long in ManifestEntity) and `url` (the base URL) are what the reference and the entity say; `id` is
 * an ApplicationId, per instance, here a UUID-shaped value derived from the org seed; `name` is the site
 * title, Confluence's default 'Confluence'; `applinksVersion` (the bundled Applinks plugin's OSGi version)
 * and `iconUrl` are stand-ins of the right type, because the reference does not give them.
 */
export function manifestJson(version: EmulatedVersion, base: string, instanceSeed: number): Record<string, unknown> {
  const build = BUILD_INFO[version];
  return {
    id: applicationId(instanceSeed),
    name: 'Confluence',
    typeId: 'confluence',
    version: build.version,
    buildNumber: build.buildNumber,
    applinksVersion: '0.0.0',
    url: base,
    iconUrl: `${base}/images/icons/favicon.png`,
  };
}

/**
 * A small login page whose head carries the two meta tags public scripts read (`ajs-version-number`,
 * `ajs-build-number`, 3RD-PARTY); the rest of Confluence's page is left out.
 */
export function loginPageHtml(version: EmulatedVersion): string {
  const build = BUILD_INFO[version];
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '<meta charset="UTF-8">',
    '<title>Log in</title>',
    `<meta name="ajs-version-number" content="${build.version}">`,
    `<meta name="ajs-build-number" content="${build.buildNumber}">`,
    '</head>',
    '<body></body>',
    '</html>',
    '',
  ].join('\n');
}

/** `8-4-4-4-12` hex, stable per seed. */
function applicationId(seed: number): string {
  const hex = createHash('sha256').update(`seatkeeper-emulator-${seed}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
