/**
 * `mizani user`: the users of the hub's built-in token issuer (docs/operations.md, "Users and roles"). There is no
 * default user or password: the first administrator is made here, on the hub's machine, against its database.
 */
import { EmbeddedDatabaseInUseError, openDb, type Db } from '../ledger/db.js';
import { migrate } from '../ledger/migrate.js';
import { OperatorStore, UserExistsError } from '../ledger/operators.js';
import { hashPassword, passwordProblem } from './admin/auth/passwords.js';
import { isRole, ROLES } from './admin/auth/roles.js';
import { parseCommandLine, UsageError, type OptionSpec } from './cli-args.js';
import { commandConfig, databaseOptions } from './config.js';

type Print = (line: string) => void;

const USAGE = [
  'usage: mizani user <add|passwd|set|list> ...',
  '  add NAME --role ROLE[,ROLE] [--participant FSP] --password-stdin   create a user; the password is read from standard input',
  '  passwd NAME --password-stdin                                        give a user a new password',
  '  set NAME [--role ROLE[,ROLE]] [--participant FSP] [--enable|--disable]',
  '  list                                                                the users, their roles and whether active',
  `  roles: ${ROLES.join(', ')} (docs/operations.md); the participant role needs --participant`,
  "  the database is the hub's (MIZANI_DATABASE_URL, or the embedded one: stop the hub first, it has one session)",
  'exit codes: 0 done; 1 refused (user exists, no such user, weak password); 2 usage error or invalid configuration',
];

const OPTIONS: Record<string, OptionSpec> = {
  role: { type: 'list' },
  participant: { type: 'string' },
  'password-stdin': { type: 'flag' },
  enable: { type: 'flag' },
  disable: { type: 'flag' },
};

export async function userCommand(args: string[], out: Print, err: Print, stdin: () => Promise<string> = readStdin): Promise<number> {
  let line;
  try {
    line = parseCommandLine(args, OPTIONS, 'user', 2);
    if (line.help) {
      USAGE.forEach((l) => out(l));
      return 0;
    }
    checkUsage(line.positionals, line.values);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`mizani user: ${e.message}`);
    err(USAGE[0]!);
    return 2;
  }
  const config = commandConfig(err);
  if (!config) return 2;
  const password = line.values['password-stdin'] ? (await stdin()).replace(/\r?\n$/, '') : undefined;
  let db: Db;
  try {
    db = await openDb({ ...databaseOptions(config), poolSize: 1 });
  } catch (e) {
    if (!(e instanceof EmbeddedDatabaseInUseError)) throw e;
    err(`mizani user: ${e.message}`);
    return 1;
  }
  try {
    await migrate(db);
    return await run(db, line.positionals, line.values, password, out, err);
  } finally {
    await db.close();
  }
}

function checkUsage(positionals: string[], values: Record<string, unknown>): void {
  const [verb, name, ...rest] = positionals;
  if (!verb || !['add', 'passwd', 'set', 'list'].includes(verb)) throw new UsageError(`say add, passwd, set or list${verb ? `, not "${verb}"` : ''}`);
  if (verb === 'list' ? name !== undefined : name === undefined || rest.length > 0)
    throw new UsageError(`${verb} takes ${verb === 'list' ? 'no user name' : 'one user name'}`);
  const roles = (values.role as string[] | undefined) ?? [];
  const bad = roles.find((r) => !isRole(r));
  if (bad !== undefined) throw new UsageError(`--role ${bad} is not a role (${ROLES.join(', ')})`);
  if (verb === 'add' && roles.length === 0) throw new UsageError('add needs --role');
  if ((verb === 'add' || verb === 'passwd') && !values['password-stdin'])
    throw new UsageError(`${verb} needs --password-stdin (the password on standard input)`);
  if (values.enable && values.disable) throw new UsageError('--enable or --disable, not both');
}

async function run(db: Db, positionals: string[], values: Record<string, unknown>, password: string | undefined, out: Print, err: Print): Promise<number> {
  const store = new OperatorStore(db);
  const [verb, name] = positionals as [string, string];
  const roles = values.role as string[] | undefined;
  const participant = values.participant as string | undefined;
  if (verb === 'list') {
    for (const u of await store.list())
      out(`${u.name}\t${u.roles.join(',')}${u.participant ? `\t${u.participant}` : '\t-'}\t${u.isActive ? 'active' : 'disabled'}`);
    return 0;
  }
  if (password !== undefined) {
    const problem = passwordProblem(password);
    if (problem) {
      err(`mizani user: ${problem}`);
      return 1;
    }
  }
  if (participant !== undefined && !(await participantExists(db, participant))) {
    err(`mizani user: participant ${participant} does not exist`);
    return 1;
  }
  try {
    if (verb === 'add') {
      if (roles!.includes('participant') && !participant) throw new RefusedError('the participant role needs --participant');
      await store.create({ name, passwordHash: await hashPassword(password!), roles: roles!, participant });
      out(`user ${name} created with ${roles!.join(', ')}`);
      return 0;
    }
    const changed = await store.update(name, {
      ...(password !== undefined ? { passwordHash: await hashPassword(password) } : {}),
      ...(roles ? { roles } : {}),
      ...(participant !== undefined ? { participant } : {}),
      ...(values.enable ? { isActive: true } : values.disable ? { isActive: false } : {}),
    });
    if (!changed) throw new RefusedError(`user ${name} does not exist`);
    out(`user ${name}: ${changed.roles.join(', ')}${changed.participant ? ` of ${changed.participant}` : ''}, ${changed.isActive ? 'active' : 'disabled'}`);
    return 0;
  } catch (e) {
    if (e instanceof UserExistsError || e instanceof RefusedError) {
      err(`mizani user: ${e.message}`);
      return 1;
    }
    if ((e as { code?: string }).code === '23514') {
      err('mizani user: a user name is 2 to 64 letters, digits, ".", "_", "@" or "-", and the participant role needs --participant');
      return 1;
    }
    throw e;
  }
}

class RefusedError extends Error {}

async function participantExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM participant WHERE name = $1', [name]);
  return rows.length > 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
