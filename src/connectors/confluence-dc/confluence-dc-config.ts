/** The configuration of one Confluence Data Center instance, as it appears under `instances:` in seatkeeper.yaml. */

import { z } from 'zod';
import { dataCenterInstanceKeys, dataCenterInstanceProblems } from '../http/http-instance-config.ts';

/** Zod schema of one `product: confluence-dc` instance; defaults filled in, cross-field rules checked. */
export const confluenceDcConfigSchema = z
  .strictObject({
    product: z.literal('confluence-dc'),
    ...dataCenterInstanceKeys,
    /** `auto`: the groups holding "can use" per the permissions API (9.3+); or the licence groups by name. */
    licenseGroups: z
      .union([z.literal('auto'), z.array(z.string().min(1)).min(1, 'licenseGroups must name at least one group')])
      .default('auto'),
  })
  .check((ctx) => {
    ctx.issues.push(...dataCenterInstanceProblems(ctx.value));
  });

/** One validated Confluence DC instance configuration (defaults applied). */
export type ConfluenceDcConfig = z.infer<typeof confluenceDcConfigSchema>;

/** The configuration as written in the file, before defaults. */
export type ConfluenceDcConfigInput = z.input<typeof confluenceDcConfigSchema>;

/** Authentication as configured: a personal access token or Basic credentials. */
export type ConfluenceDcAuth = ConfluenceDcConfig['auth'];
