// Command-line arguments: `--name value`, `--name=value`, boolean flags, `-o`, positionals.
export interface Args {
  readonly command: string | undefined;
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | true>>;
}

const SHORT: Readonly<Record<string, string>> = { o: 'output', h: 'help' };
const FLAGS = new Set(['json', 'help', 'all']);

export function parseArgs(argv: readonly string[]): Args {
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const long = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const short = /^-([a-z])$/.exec(arg);
    const name = long ? long[1]! : short ? (SHORT[short[1]!] ?? short[1]!) : undefined;
    if (name === undefined) {
      positionals.push(arg);
      continue;
    }
    if (long?.[2] !== undefined) options[name] = long[2];
    else if (FLAGS.has(name) || i + 1 >= argv.length) options[name] = true;
    else options[name] = argv[++i]!;
  }
  return { command: positionals[0], positionals: positionals.slice(1), options };
}

export class UsageError extends Error {}

export function option(args: Args, name: string, env?: string): string | undefined {
  const value = args.options[name];
  if (value === true) throw new UsageError(`--${name} needs a value`);
  return value ?? (env ? process.env[env] : undefined) ?? undefined;
}
