/**
 * The config of the staged lifecycle: `lifecycle:` on a policy, the top-level `notices:` (mail server, sender, link,
 * templates), the rules across them, and the mapping to the domain's LifecycleSettings.
 */

import { z } from 'zod';
import { smtpConfigSchema } from '../connectors/smtp/smtp-config.ts';
import { templateProblems } from '../domain/notice-template.ts';
import type { LifecycleSettings } from '../domain/lifecycle-settings.ts';

/** `policies.<id>.lifecycle`: stages on top of the policy's actions, which are the unlicense stage. */
export const lifecycleConfigSchema = z.strictObject({
  /** E-mail the user this many days before the licence goes. */
  /** `required` (default true): a user without a known e-mail address keeps the licence, since nobody could warn them. */
  notice: z.strictObject({ daysBefore: z.number().int().min(1), required: z.boolean().default(true) }).optional(),
  /** Deactivate this many days after the licence went. */
  deactivateAfterDays: z.number().int().min(0).optional(),
  /** Append a suffix such as " (inactive)" to the display name after the last account stage. */
  rename: z.strictObject({ displayNameSuffix: z.string().min(1).max(64) }).optional(),
});

const keepAccessUrl = z
  .string()
  .includes('{token}', { error: 'keepAccessUrl must contain {token}, where each notice puts its own token' })
  .refine((template) => URL.canParse(template.replaceAll('{token}', 't')) && /^https?:/i.test(template), {
    error: 'keepAccessUrl must be an http:// or https:// URL',
  });

/** `notices`: how notice e-mails go out. Required when a policy has a notice stage. */
export const noticesConfigSchema = z
  .strictObject({
    smtp: smtpConfigSchema,
    /** The sender, e.g. `Seatkeeper <seatkeeper@example.com>`. */
    from: z.string().regex(/^[^\r\n]*@[^\r\n]+$/, 'from must be an e-mail address, e.g. "Seatkeeper <seatkeeper@example.com>"'),
    keepAccessUrl,
    /** Subject (a one-line template) and the text and HTML template files; the shipped templates/notice.* by default. */
    templates: z
      .strictObject({ subject: z.string().min(1).optional(), text: z.string().min(1).optional(), html: z.string().min(1).optional() })
      .default({}),
  })
  .superRefine((notices, ctx) => {
    const subject = notices.templates?.subject;
    if (subject === undefined) return;
    for (const message of templateProblems(subject, 'subject', { requireLink: false })) ctx.addIssue({ code: 'custom', path: ['templates', 'subject'], message });
  });

/** The validated `notices` section. */
export type NoticesConfig = z.infer<typeof noticesConfigSchema>;

/** What the cross-key check reads of the config; read defensively, because it runs even when other keys are wrong. */
interface LooseConfig {
  readonly policies?: Readonly<Record<string, unknown>>;
  readonly notices?: unknown;
}

interface LoosePolicy {
  readonly lifecycle?: { readonly notice?: { readonly daysBefore?: unknown }; readonly deactivateAfterDays?: unknown };
  readonly select?: { readonly inactiveDays?: unknown; readonly orgStatus?: unknown };
  readonly actions?: { readonly removeGroups?: unknown; readonly deactivate?: unknown };
}

function isLoosePolicy(value: unknown): value is LoosePolicy {
  return typeof value === 'object' && value !== null;
}

/** Rules across keys: a notice stage needs `notices`, and a lifecycle needs a login-based selection and a licence to take. */
export function lifecycleConfigIssues(config: LooseConfig): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const [policyId, policy] of Object.entries(config.policies ?? {})) {
    if (!isLoosePolicy(policy) || policy.lifecycle === undefined) continue;
    const at = (...rest: string[]) => ['policies', policyId, ...rest];
    const { lifecycle, select, actions } = policy;
    if (lifecycle.notice !== undefined && config.notices === undefined) {
      issues.push({
        path: ['notices'],
        message: `policies.${policyId}.lifecycle.notice sends e-mail: add notices: { smtp: { host, port }, from, keepAccessUrl }`,
      });
    }
    if (select?.orgStatus !== undefined) {
      issues.push({ path: at('lifecycle'), message: 'a lifecycle counts from the last login: use it with inactiveDays or neverLoggedInDays, not orgStatus' });
    }
    if (actions?.removeGroups === 'none') {
      issues.push({ path: at('actions', 'removeGroups'), message: 'the lifecycle unlicenses through removeGroups: use license, all or a list of groups, not none' });
    }
    if (lifecycle.deactivateAfterDays !== undefined && actions?.deactivate === true) {
      issues.push({ path: at('actions', 'deactivate'), message: 'lifecycle.deactivateAfterDays deactivates later: set actions.deactivate: false' });
    }
    const daysBefore = lifecycle.notice?.daysBefore;
    if (typeof daysBefore === 'number' && typeof select?.inactiveDays === 'number' && daysBefore >= select.inactiveDays) {
      issues.push({ path: at('lifecycle', 'notice', 'daysBefore'), message: `must be smaller than select.inactiveDays (${select.inactiveDays})` });
    }
  }
  return issues;
}

/** A validated `lifecycle` section as the domain sees it; null when the policy has none. */
export function toLifecycleSettings(lifecycle: z.infer<typeof lifecycleConfigSchema> | undefined): LifecycleSettings | null {
  if (lifecycle === undefined) return null;
  return {
    notice: lifecycle.notice ?? null,
    deactivateAfterDays: lifecycle.deactivateAfterDays ?? null,
    rename: lifecycle.rename ?? null,
  };
}
