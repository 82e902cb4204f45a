/**
 * Which Confluence version answers, read from the route each release has: `/rest/api/server-information` exists from
 * 9.1 only (its model is "Since 9.1.0"), so on 8.4–9.0 its 404 is no sign of a wrong URL. Then the applinks manifest
 * and a page's `ajs-version-number` meta tag, which every supported version serves (3RD-PARTY: public client code and
 * scripts). Only when none of the three names a version is the URL reported as wrong.
 */

import { ConnectorError } from '../../app/connector-error.ts';
import type { ConfluenceDcClient } from './confluence-dc-client.ts';
import { PayloadError, mapApplinksManifest, mapPageMetaVersion, mapServerInformation, type Version } from './confluence-dc-mapping.ts';

/** Where the version was read: `server-information` (9.1+), else routes every version has. */
export type VersionSource = 'server-information' | 'applinks-manifest' | 'page-meta';

/** The version as read, and where. */
export interface KnownVersion {
  readonly text: string;
  readonly parsed: Version;
  readonly source: VersionSource;
}

/** The route each version source is read from. */
export const VERSION_ROUTES: Readonly<Record<VersionSource, string>> = {
  'server-information': '/rest/api/server-information',
  'applinks-manifest': '/rest/applinks/1.0/manifest',
  'page-meta': '/login.action',
};
const SERVER_INFORMATION = VERSION_ROUTES['server-information'];
const MANIFEST = VERSION_ROUTES['applinks-manifest'];
const LOGIN_PAGE = VERSION_ROUTES['page-meta'];

/** Reads the version; throws a fixable ConnectorError naming all three routes when none says one. */
export async function readConfluenceVersion(client: ConfluenceDcClient, signal?: AbortSignal): Promise<KnownVersion> {
  const target = (path: string): string => `${client.instanceId} GET ${path}`;
  const info = await client.request('GET', SERVER_INFORMATION, { probe: true, accept: [404], signal });
  if (info.status !== 404) {
    try {
      const read = mapServerInformation(info.body);
      return { text: read.version, parsed: read.parsed, source: 'server-information' };
    } catch (error) {
      if (error instanceof PayloadError) throw new ConnectorError(error.message, { target: target(SERVER_INFORMATION), fixable: true, cause: error });
      throw error;
    }
  }
  const manifest = await client.request('GET', MANIFEST, { probe: true, accept: [404], signal }).catch(notJson);
  const fromManifest = manifest === null || manifest.status === 404 ? null : mapApplinksManifest(manifest.body);
  if (fromManifest !== null) {
    if (fromManifest.typeId !== null && fromManifest.typeId.toLowerCase() !== 'confluence') {
      throw new ConnectorError(`the URL answers as ${fromManifest.typeId} ${fromManifest.version}, not Confluence: check the URL`, {
        target: target(MANIFEST),
        fixable: true,
      });
    }
    return { text: fromManifest.version, parsed: fromManifest.parsed, source: 'applinks-manifest' };
  }
  const page = await client.request('GET', LOGIN_PAGE, { probe: true, accept: [404], text: true, signal });
  const fromPage = page.status === 404 ? null : mapPageMetaVersion(page.body);
  if (fromPage !== null) return { text: fromPage.version, parsed: fromPage.parsed, source: 'page-meta' };
  throw new ConnectorError(
    `no Confluence version at ${client.baseUrl}: ${SERVER_INFORMATION} (9.1+) and ${MANIFEST} answered 404 or no version, ` +
      `and ${LOGIN_PAGE} has no ajs-version-number; check the URL (context path?)`,
    { target: target(SERVER_INFORMATION), fixable: true },
  );
}

/** A manifest that is not JSON (a proxy page) says no version; the next route is asked. */
function notJson(error: unknown): null {
  if (error instanceof ConnectorError && error.status !== null && error.status < 300) return null;
  throw error;
}
