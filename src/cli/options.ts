import { Command, Option } from 'commander';
import { OPTION_TABLE, type OptionKey, type OptionSpec } from '../config/option-table.js';
import type { CliValues } from '../config/settings.js';

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
      const o = new Option(`--${flag} <${spec.arg ?? 'value'}>`, spec.help + ours).hideHelp(hidden);
      if (spec.kind === 'int') o.argParser(parseInteger(flag));
      if (spec.choices) o.choices([...spec.choices]);
      cmd.addOption(o);
      if (spec.negatedValue) cmd.addOption(new Option(`--no-${flag}`, `same as --${flag}=${spec.negatedValue}`).hideHelp(true));
    });
  }
  return cmd;
}

/** Reads the table's options back out of commander's parsed values, keyed by conf name. */
export function cliValues(opts: Record<string, unknown>): CliValues {
  const out: CliValues = {};
  for (const spec of OPTION_TABLE as readonly OptionSpec[]) {
    for (const flag of [spec.flag, ...(spec.aliases ?? [])]) {
      const v = opts[attributeOf(flag)];
      if (v === undefined) continue;
      out[spec.key as OptionKey] = v === false && spec.kind === 'string' ? (spec.negatedValue ?? '') : (v as string | boolean | number);
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
