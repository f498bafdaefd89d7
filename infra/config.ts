import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CodedError, withProblems } from './coded-error.ts';
import { formatIssues } from './zod-issues.ts';

/**
 * One way every service reads its config: the file is read, parsed as YAML (1.2, a superset of JSON), and
 * validated with the service's zod schema; whatever is wrong is reported at once, every problem with its path.
 */

export type ConfigFailure = {
  kind: 'unreadable' | 'invalid';
  /** one line saying what failed, e.g. `cấu hình broker không hợp lệ (/etc/thanthien/broker.yaml)` */
  headline: string;
  /** every problem, `path: message` */
  problems: string[];
  /** the headline followed by the problems, one a line */
  message: string;
};

export type ConfigOptions = {
  /** what the file is, in the operator's words, e.g. `cấu hình broker` */
  what: string;
  /** the service's own coded error for a failure; ConfigError when absent */
  error?: (failure: ConfigFailure) => Error;
};

/** The coded error of a config that cannot be used, for services without a catalogue entry of their own. */
export class ConfigError extends CodedError<'CONFIG_INVALID' | 'CONFIG_UNREADABLE'> {
  constructor(failure: Pick<ConfigFailure, 'kind' | 'message' | 'problems'>) {
    super(failure.kind === 'unreadable' ? 'CONFIG_UNREADABLE' : 'CONFIG_INVALID', failure.message, failure.problems);
    this.name = 'ConfigError';
  }
}

function failure(kind: ConfigFailure['kind'], headline: string, problems: string[]): ConfigFailure {
  return { kind, headline, problems, message: withProblems(headline, problems) };
}

function raise(opts: ConfigOptions, f: ConfigFailure): never {
  throw opts.error ? opts.error(f) : new ConfigError(f);
}

/** Validate an already parsed config object; the result is frozen (a service never edits its config). */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  source: string,
  opts: ConfigOptions,
): Readonly<z.output<S>> {
  const result = schema.safeParse(raw);
  if (!result.success)
    raise(opts, failure('invalid', `${opts.what} không hợp lệ (${source})`, formatIssues(result.error.issues)));
  return Object.freeze(result.data) as Readonly<z.output<S>>;
}

/** Read and parse a YAML or JSON file, without validating it. */
export function readConfigFile(path: string, opts: ConfigOptions): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    raise(opts, failure('unreadable', `không mở được tệp ${opts.what} (${path})`, [`(tệp): ${why}`]));
  }
  try {
    return parseYaml(text);
  } catch (err) {
    raise(
      opts,
      failure('invalid', `${opts.what} không hợp lệ (${path})`, [
        `(gốc): không đọc được YAML/JSON: ${(err as Error).message}`,
      ]),
    );
  }
}

/** Read, parse and validate a config file: the one loader of every service. */
export function loadConfig<S extends z.ZodType>(schema: S, path: string, opts: ConfigOptions): Readonly<z.output<S>> {
  return parseConfig(schema, readConfigFile(path, opts), path, opts);
}
