import { Command, Option } from 'commander';
import { OPTION_TABLE, type OptionKey, type OptionSpec } from '../config/option-table.js';
import type { CliValues, NotOfferedFlag } from '../config/settings.js';
import { GENKERNEL_ONLY } from '../config/genkernel-options.js';

/** commander's attribute name for a long flag: kernel-config -> kernelConfig. */
export function attributeOf(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function parseInteger(flag: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw new Error(`--${flag} takes a whole number, not '${value}'`);
    return Number.parseInt(value, 10);
  };
}

/** Adds every option of the table to `cmd`, each with its --no- form where genkernel has one. */
export function addTableOptions(cmd: Command): Command {
  cmd.option('--config <file>', 'genkernel.conf to read instead of /etc/genkernel.conf');
  for (const spec of OPTION_TABLE as readonly OptionSpec[]) {
    const flags = [spec.flag, ...(spec.aliases ?? [])];
    flags.forEach((flag, i) => {
      const hidden = i > 0;
      const ours = spec.ours ? ' (tsgenkernel)' : '';
      if (spec.kind === 'bool') {
        cmd.addOption(new Option(`--${flag}`, spec.help + ours).hideHelp(hidden));
        cmd.addOption(new Option(`--no-${flag}`, `do not: ${spec.help}`).hideHelp(true));
        return;
      }
      const arg = spec.bareValue !== undefined ? `[${spec.arg ?? 'value'}]` : `<${spec.arg ?? 'value'}>`;
      const o = new Option(`--${flag} ${arg}`, spec.help + ours).hideHelp(hidden);
      if (spec.kind === 'int') o.argParser(parseInteger(flag));
      if (spec.choices) o.choices([...spec.choices]);
      cmd.addOption(o);
      if (spec.negatedValue !== undefined) cmd.addOption(new Option(`--no-${flag}`, `same as --${flag}=${spec.negatedValue}`).hideHelp(true));
    });
  }
  // genkernel's flags whose feature is not offered: accepted (hidden), then warned about.
  for (const spec of GENKERNEL_ONLY) {
    for (const flag of spec.flags ?? []) {
      const what = `genkernel's --${flag}: not offered`;
      cmd.addOption(new Option(spec.kind === 'bool' ? `--${flag}` : `--${flag} <value>`, what).hideHelp(true));
      cmd.addOption(new Option(`--no-${flag}`, what).hideHelp(true));
    }
  }
  return cmd;
}

/** Flags that only exist so genkernel's not-offered options are reported rather than refused. */
export const NOT_OFFERED_FLAGS: ReadonlySet<string> = new Set(GENKERNEL_ONLY.flatMap((g) => (g.flags ?? []).flatMap((f) => [`--${f}`, `--no-${f}`])));

/** The not-offered genkernel flags the user gave, for the settings to warn about. */
export function notOfferedFlags(opts: Record<string, unknown>): NotOfferedFlag[] {
  const out: NotOfferedFlag[] = [];
  for (const spec of GENKERNEL_ONLY) {
    for (const flag of spec.flags ?? []) {
      const v = opts[attributeOf(flag)];
      if (typeof v === 'string' || typeof v === 'boolean') out.push({ spec, flag, value: v });
    }
  }
  return out;
}

/** Everything createBuildContext needs from commander's values. */
export function cliInput(opts: Record<string, unknown>) {
  return { ...cliValues(opts), configFile: opts.config as string | undefined, notOfferedFlags: notOfferedFlags(opts) };
}

/** Reads the table's options back out of commander's parsed values, keyed by conf name. */
export function cliValues(opts: Record<string, unknown>): CliValues {
  const out: CliValues = {};
  for (const spec of OPTION_TABLE as readonly OptionSpec[]) {
    for (const flag of [spec.flag, ...(spec.aliases ?? [])]) {
      const v = opts[attributeOf(flag)];
      if (v === undefined) continue;
      if (v === true && spec.bareValue !== undefined) out[spec.key as OptionKey] = spec.kind === 'int' ? Number(spec.bareValue) : spec.bareValue;
      else if (v === false && spec.kind !== 'bool') out[spec.key as OptionKey] = spec.kind === 'int' ? Number(spec.negatedValue ?? 0) : (spec.negatedValue ?? '');
      else out[spec.key as OptionKey] = v as string | boolean | number;
    }
  }
  return out;
}

/**
 * genkernel takes options before the action (`genkernel --luks initramfs`); commander wants a
 * subcommand's options after it. Options found before the first command word are moved after it.
 */
export function moveLeadingOptions(argv: readonly string[], commands: readonly string[]): string[] {
  const args = argv.slice(2);
  const at = args.findIndex((a) => commands.includes(a));
  if (at <= 0) return [...argv];
  const before = args.slice(0, at);
  if (before.some((a) => a === '--help' || a === '-h' || a === '--version' || a === '-V')) return [...argv];
  return [...argv.slice(0, 2), args[at]!, ...before, ...args.slice(at + 1)];
}
