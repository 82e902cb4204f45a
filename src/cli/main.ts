/** `seatkeeper`: parses the command line, runs one command, and turns its outcome into an exit code. */

import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_CONFIG, withContext, type GlobalOptions, type Output } from './command-context.ts';
import { describeFailure, EXIT } from './exit-codes.ts';
import { scanCommand } from './scan-command.ts';
import { planCommand } from './plan-command.ts';
import { plansCommand } from './plans-command.ts';
import { applyCommand } from './apply-command.ts';
import { approveCommand } from './approve-command.ts';
import { alertAckCommand, alertsCommand } from './alerts-command.ts';
import { undoCommand } from './undo-command.ts';
import { resumeCommand, runCommandDetail, runsCommand } from './runs-command.ts';
import { usersCommand } from './users-command.ts';
import { userChangeCommand, type UserChangeOptions } from './user-command.ts';
import { demoCommand } from './demo-command.ts';
import { policyCheckCommand } from './policy-command.ts';
import { forgetGroupCommand, instanceCheckCommand } from './instance-command.ts';
import { runCommand, scheduleCommand, serveCommand } from './schedule-command.ts';
import { loadConfig } from '../config/config-loader.ts';
import { redactConfig } from '../config/config-redaction.ts';
import { packageVersion } from '../config/package-version.ts';
import { adminCreateCommand, adminDisableCommand, tokenCreateCommand } from './admin-command.ts';
import { auditExportCommand, auditVerifyCommand } from './audit-command.ts';

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return parsed;
}

/** How the CLI is being called, for the hints it prints (`npx seatkeeper` from the demo); `seatkeeper` when absent. */
export interface MainOptions {
  readonly cliName?: string;
}

/**
 * The CLI's commands, built without running any: `setCode` receives the exit code of the command that runs. The
 * parity test walks it to list every command.
 */
export function buildProgram(output: Output, options: MainOptions = {}, setCode: (code: number) => void = () => undefined): Command {
  const program = new Command('seatkeeper')
    .description('Keeps Atlassian licences for the people who use them.')
    .version(packageVersion(), '-V, --version', 'print the version of Seatkeeper')
    .option('-c, --config <file>', 'config file', DEFAULT_CONFIG)
    .option('--json', 'print data as JSON', false)
    .option('--as <name>', 'who is acting, for plans and approvals (default: $SEATKEEPER_ACTOR, else the OS user)')
    // Hidden: for rehearsing the staged lifecycle over simulated days (README, "Rehearsing a lifecycle"); refused unless
    // SEATKEEPER_REHEARSAL=1, so a simulated instant never reaches real records.
    .addOption(new Option('--now <iso>', 'rehearsals only (SEATKEEPER_REHEARSAL=1): run as if it were this instant, e.g. 2026-03-01T03:00:00Z').hideHelp())
    .exitOverride()
    .configureOutput({ writeOut: (s) => output.out.write(s), writeErr: (s) => output.err.write(s) });
  const globals = (): GlobalOptions => {
    const opts = program.opts<{ config: string; json: boolean; as?: string; now?: string }>();
    return { config: opts.config, json: opts.json, as: opts.as, now: opts.now, ...(options.cliName === undefined ? {} : { cliName: options.cliName }) };
  };
  const run = async (fn: Parameters<typeof withContext<number>>[2]): Promise<void> => {
    setCode(await withContext(globals(), output, fn));
  };

  program
    .command('scan')
    .description('read users, groups, memberships, grants and last logins into a new snapshot')
    .option('-i, --instance <id>', 'instance id from the config')
    .action((opts: { instance?: string }) => run((ctx) => scanCommand(ctx, opts)));

  program
    .command('plan')
    .description('scan, evaluate the policies and store a plan; changes nothing in Confluence')
    .option('-i, --instance <id>', 'instance id from the config')
    .option('-p, --policy <id...>', 'only these policies')
    .option('--no-scan', 'plan on the newest stored scan instead of scanning first')
    .addOption(new Option('--rows <n>', 'plan rows to print').argParser(wholeNumber).default(20))
    .action((opts: { instance?: string; policy?: string[]; scan: boolean; rows: number }) => run((ctx) => planCommand(ctx, opts)));

  program
    .command('plans')
    .description('list stored plans, newest first: status, rows, seats freed, who made them and the run that applied them')
    .option('-i, --instance <id>', 'only this instance')
    .addOption(new Option('--limit <n>', 'plans to list').argParser(wholeNumber).default(20))
    .action((opts: { instance?: string; limit: number }) => run((ctx) => plansCommand(ctx, opts)));

  program
    .command('apply')
    .description('run a stored plan (--plan ID), or scan, plan and apply in one go (--yes)')
    .option('--plan <id>', 'plan id printed by `seatkeeper plan` or listed by `seatkeeper plans`')
    .option('-y, --yes', 'scan, plan and apply without a separate plan step', false)
    .option('-i, --instance <id>', 'instance id from the config')
    .addOption(new Option('--rows <n>', 'plan rows to print with --yes').argParser(wholeNumber).default(20))
    .action((opts: { plan?: string; yes: boolean; instance?: string; rows: number }) => run((ctx) => applyCommand(ctx, opts)));

  program
    .command('runs')
    .description(
      'list runs, newest first, with how many steps are claimed, done, already done, failed and skipped; ' +
        'with RUN, that run\'s failed steps with their last error and the steps left claimed',
    )
    .argument('[run]', 'one run id: show its steps that need attention')
    .option('-i, --instance <id>', 'only this instance')
    .action((runId: string | undefined, opts: { instance?: string }) => run((ctx) => (runId === undefined ? runsCommand(ctx, opts) : runCommandDetail(ctx, runId))));

  program
    .command('resume')
    .description(
      'continue an interrupted run: claimed steps are checked against the user\'s state in Confluence (sent only if they never arrived), ' +
        'rows not started run, and failed steps are retried',
    )
    .argument('<run>', 'run id printed by `seatkeeper apply` or `seatkeeper runs`')
    .action((runId: string) => run((ctx) => resumeCommand(ctx, runId)));

  program
    .command('undo')
    .description('put back what Seatkeeper changed: one run (--run), or every change to one user (--user), as a run of its own')
    .option('--run <id>', 'run id printed by `seatkeeper apply` or `seatkeeper undo`')
    .option('--user <name>', 'username: every Seatkeeper change to it still in effect, across runs')
    .option('-i, --instance <id>', 'instance id from the config (with --user)')
    .option('--force', 'also undo users changed by hand since (overwriting those changes) and steps that give administration', false)
    .addOption(new Option('--rows <n>', 'undo rows to print').argParser(wholeNumber).default(20))
    .action((opts: { run?: string; user?: string; instance?: string; force: boolean; rows: number }) => run((ctx) => undoCommand(ctx, opts)));

  program
    .command('approve')
    .description('release a plan that waits for approval (over safety.maxActions or safety.maxPercent); records who and when')
    .argument('<plan>', 'plan id printed by `seatkeeper plan`')
    .action((planId: string) => run((ctx) => approveCommand(ctx, planId)));

  const alerts = program
    .command('alerts')
    .description(
      'list open alerts: guards that blocked a plan or an apply, brake stops, scheduled runs with failures; they resolve ' +
        'themselves when the cause clears (e-mail/webhook delivery comes with a later notifier)',
    )
    .option('-i, --instance <id>', 'only this instance')
    .option('--all', 'resolved and acknowledged alerts too, with when and why', false)
    .action((opts: { instance?: string; all: boolean }) => run((ctx) => alertsCommand(ctx, opts)));
  alerts
    .command('ack')
    .description('acknowledge an alert, recording who and when')
    .argument('<id>', 'alert number printed by `seatkeeper alerts`')
    .action((id: string) => run((ctx) => alertAckCommand(ctx, id)));

  program
    .command('users')
    .description('search the users of the newest complete scan')
    .option('-i, --instance <id>', 'instance id from the config')
    .addOption(new Option('--inactive-days <n>', 'last login more than N days ago (or never)').argParser(wholeNumber))
    .option('--never-logged-in', 'only users who never logged in')
    .option('--directory <name>', 'only users of this directory')
    .option('--group <name>', 'only members of this group (nested membership counts)')
    .option('--licensed', 'only users who hold a seat')
    .option('--unlicensed', 'only users who hold no seat')
    .option('--deactivated', 'only deactivated accounts')
    .option('--active', 'only active accounts')
    .addOption(new Option('--created-before-days <n>', 'created (or first seen, where the source gives no creation date) more than N days ago').argParser(wholeNumber))
    .option('--csv <file>', 'write RFC 4180 CSV to this file')
    .addOption(new Option('--limit <n>', 'rows to print').argParser(wholeNumber).default(50))
    .action(
      (opts: {
        instance?: string;
        inactiveDays?: number;
        neverLoggedIn?: boolean;
        directory?: string;
        group?: string;
        licensed?: boolean;
        unlicensed?: boolean;
        deactivated?: boolean;
        active?: boolean;
        createdBeforeDays?: number;
        csv?: string;
        limit: number;
      }) => run((ctx) => usersCommand(ctx, opts)),
    );

  const userGroup = program.command('user').description('change user accounts by hand, through a plan: checked, limited, journaled and undoable');
  userGroup
    .command('change')
    .description(
      'plan changes to users (one from flags, a CSV/JSON file, or an e-mail domain move), checked against the newest scan: ' +
        'any refused request plans nothing; apply the plan with `apply --plan ID`, or at once with --yes',
    )
    .option('-i, --instance <id>', 'instance id from the config')
    .option('--user <name>', 'the username to change (with the change flags below)')
    .option('--remove-group <group...>', 'end these direct memberships')
    .option('--remove-all-groups', 'end every direct membership')
    .option('--add-group <group...>', 'add to these groups')
    .option('--set-groups <group...>', 'the exact set of direct memberships to end with (space- or comma-separated)')
    .option('--deactivate', 'deactivate the account')
    .option('--reactivate', 'reactivate the account')
    .option('--email <address>', 'set the e-mail address (where the instance can)')
    .option('--display-name <name>', 'set the display name')
    .option('--rename-to <username>', 'rename the username (where the instance can)')
    .option('--file <file>', 'requests from a .csv (header names the columns) or .json file')
    .option('--email-domain <old=new>', 'move every e-mail address of domain OLD to NEW')
    .option('--valid-only', 'plan the requests that pass even when others are refused')
    .option('--dry-run', 'plan and show only (the default without --yes); nothing is applied')
    .option('-y, --yes', 'apply the plan at once when every guard lets it')
    .addOption(new Option('--rows <n>', 'requests and plan rows to print').argParser(wholeNumber).default(20))
    .action((opts: UserChangeOptions) => run((ctx) => userChangeCommand(ctx, opts)));

  program
    .command('demo')
    .description('start an emulated Confluence and an emulated Jira with generated organisations, scan and plan both, and keep them running')
    .addOption(new Option('--users <n>', 'users in the generated organisation').argParser(wholeNumber).default(2000))
    .option('--dir <path>', 'where the demo writes its config and SQLite store', '.demo')
    .addOption(new Option('--port <n>', 'Confluence emulator port, Jira\'s the next one (0 = any free ports)').argParser(wholeNumber).default(8090))
    .option('--exit', 'stop the emulators after the summary instead of keeping them running', false)
    .action(async (opts: { users: number; dir: string; port: number; exit: boolean }) => {
      setCode(await demoCommand(opts, output, main));
    });

  program
    .command('policy')
    .description('inspect the policies')
    .command('check')
    .description('validate the policies and show whom each would select and why, against the newest scan; writes nothing')
    .option('-i, --instance <id>', 'instance id from the config')
    .option('-p, --policy <id...>', 'only these policies')
    .addOption(new Option('--rows <n>', 'rows to print').argParser(wholeNumber).default(20))
    .action((opts: { instance?: string; policy?: string[]; rows: number }) => run((ctx) => policyCheckCommand(ctx, opts)));

  const instance = program.command('instance').description('inspect a configured instance');
  instance
    .command('check')
    .description('test each assumption Seatkeeper makes against the live instance (GET requests only): PASS / WARN / FAIL per row')
    .argument('[id]', 'instance id from the config (default: every instance whose product has a check)')
    .option('--capture <dir>', 'write each response read, redacted, to DIR/<instance>/<route>.json')
    .action((id: string | undefined, opts: { capture?: string }) => run((ctx) => instanceCheckCommand(ctx, { instance: id, capture: opts.capture })));
  instance
    .command('forget-group')
    .description('forget that Confluence refused to change a group (e.g. once its directory is writable): plans propose it again')
    .argument('<group>', 'group name, as the run that remembered it printed it')
    .option('-i, --instance <id>', 'instance id from the config')
    .action((group: string, opts: { instance?: string }) => run((ctx) => forgetGroupCommand(ctx, { group, instance: opts.instance })));

  program
    .command('schedule')
    .description("list each policy's cron, next run and last outcome (from the store; survives restarts)")
    .action(() => run((ctx) => scheduleCommand(ctx)));

  program
    .command('run')
    .description('run one policy now: scan, plan, and apply when every guard allows it')
    .argument('<policy>', 'policy id from the config')
    .action((policy: string) => run((ctx) => runCommand(ctx, policy)));

  program
    .command('serve')
    .description('run the scheduler until Ctrl-C; runs missed while down run once if less than one period late')
    .option('--once', 'one pass over due schedules, then exit (for cron-driven setups and tests)', false)
    .action((opts: { once: boolean }) => run((ctx) => serveCommand(ctx, opts)));

  const admin = program.command('admin').description('the admin accounts that sign in to the REST API');
  admin
    .command('create')
    .description('create an admin account; the password is asked at the terminal (twice) or read as one line from standard input, never from argv')
    .argument('<name>', 'account name')
    .requiredOption('--role <role>', 'viewer (read and export), operator (plan, approve, apply, undo) or admin (accounts, tokens, connections)')
    .action((name: string, opts: { role: string }) => run((ctx) => adminCreateCommand(ctx, { name, role: opts.role, stdin: process.stdin, err: output.err })));
  admin
    .command('disable')
    .description('disable an admin account: its sessions end and its API tokens stop at once')
    .argument('<name>', 'account name')
    .action((name: string) => run((ctx) => adminDisableCommand(ctx, name)));

  program
    .command('token')
    .description('API tokens')
    .command('create')
    .description('create an API token for an admin account and print it once (only its hash is kept)')
    .requiredOption('--admin <name>', 'the account the token acts for')
    .requiredOption('--scope <scope>', 'read, operate or admin: caps the account\'s role')
    .addOption(new Option('--expires-days <n>', 'days until the token stops (1–366)').argParser(wholeNumber).default(30))
    .action((opts: { admin: string; scope: string; expiresDays: number }) => run((ctx) => tokenCreateCommand(ctx, opts)));

  const audit = program.command('audit').description('the audit log of every write through the API and the CLI');
  audit
    .command('verify')
    .description('check the audit log\'s hash chain: exit 1 and name the rows when one was edited or deleted')
    .action(() => run((ctx) => auditVerifyCommand(ctx)));
  audit
    .command('export')
    .description('write the audit log as NDJSON (one row a line, chain fields included) for a SIEM')
    .option('--since <iso>', 'only rows written at or after this instant')
    .action((opts: { since?: string }) => run((ctx) => auditExportCommand(ctx, opts)));

  const configCommand = program.command('config').description('inspect the configuration');
  configCommand
    .command('show')
    .description('print the validated config with defaults filled in and secrets redacted')
    .action(() => {
      output.out.write(`${JSON.stringify(redactConfig(loadConfig(globals().config)), null, 2)}\n`);
    });
  configCommand
    .command('check')
    .description('validate the config and list every problem')
    .action(() => {
      loadConfig(globals().config);
      output.out.write(`${globals().config} is valid\n`);
    });

  return program;
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(
  argv: readonly string[],
  output: Output = { out: process.stdout, err: process.stderr },
  options: MainOptions = {},
): Promise<number> {
  let code: number = EXIT.done;
  const program = buildProgram(output, options, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.done : EXIT.badInput;
    }
    const failure = describeFailure(error);
    output.err.write(`${failure.lines.join('\n')}\n`);
    return failure.code;
  }
}
