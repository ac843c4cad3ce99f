import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isGkError } from '../errors.js';
import { userErrorFromErrno } from '../cli/errno-errors.js';
import { addTableOptions, moveLeadingOptions } from './options.js';
import type { CommandName } from '../context.js';

/** package.json is two levels up from src/cli (tests) and three from dist/src/cli (the installed CLI). */
function readPackageJson(): { version: string } {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'tsgenkernel') return pkg;
    } catch {
      // try the other layout
    }
  }
  return { version: 'unknown' };
}
const pkg = readPackageJson();

const BUILD_COMMANDS: Array<{ name: CommandName; aliases?: string[]; summary: string }> = [
  { name: 'all', summary: 'configure, compile and install the kernel and its modules, then build and install the initramfs' },
  { name: 'kernel', summary: 'configure, compile and install the kernel and its modules' },
  { name: 'bzImage', summary: 'configure, compile and install the kernel only' },
  { name: 'initramfs', aliases: ['ramdisk'], summary: 'build and install the initramfs for a kernel that is already built' },
];

export function buildProgram(): Command {
  const program = new Command('tsgenkernel')
    .description('Configure, compile and install a Linux kernel and build the initramfs that boots it (genkernel-compatible)')
    .version(pkg.version)
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const c of BUILD_COMMANDS) {
    const cmd = program.command(c.name).description(c.summary).exitOverride();
    for (const a of c.aliases ?? []) cmd.alias(a);
    // Loaded on use: --help and --version should not pay for the whole build graph.
    addTableOptions(cmd).action(async (opts: Record<string, unknown>) => (await import('./run-build.js')).runBuild(c.name, opts));
  }
  program
    .command('inspect')
    .description('list the contents of an initramfs image, like lsinitrd')
    .argument('<image>', 'initramfs file')
    .option('--cat <path>', 'print one file of the image instead of the listing')
    .exitOverride()
    .action(async (image: string, opts: { cat?: string }) => (await import('./inspect.js')).inspect(image, opts));
  addTableOptions(program.command('check').description('report what an initramfs build would do and everything that would make it fail, without building').exitOverride()).action(
    async (opts: Record<string, unknown>) => (await import('./check.js')).check(opts),
  );
  program
    .command('install-hooks')
    .description("install the kernel hooks (a kernel-install plugin, /etc/kernel/postinst.d and postrm.d) that build a new kernel's initramfs")
    .option('--uninstall', 'remove the hooks instead')
    .option('--root <dir>', 'install below this directory instead of /')
    .exitOverride()
    .action(async (opts: { uninstall?: boolean; root?: string }) => (await import('../hooks/install-hooks.js')).installHooksCommand(opts));
  program
    .command('hook')
    .description('what the installed kernel hooks run: build (add) or remove the initramfs of kernel KV, in the boot dir of IMAGE')
    .argument('<action>', 'add or remove')
    .argument('<KV>', 'kernel version')
    .argument('[image]', 'the installed kernel image')
    .exitOverride()
    .action(async (action: string, kv: string, image: string | undefined) => (await import('./hook-command.js')).hookCommand(action, kv, image || undefined));
  program
    .command('completion')
    .description('print a bash completion script generated from the option table')
    .argument('<shell>', 'bash')
    .exitOverride()
    .action(async (shell: string) => (await import('./completion.js')).printCompletion(program, shell));
  program
    .command('manpage')
    .description('print the tsgenkernel(8) manual page (roff), generated from the option table')
    .exitOverride()
    .action(async () => {
      process.stdout.write((await import('./manpage.js')).manPage(program, { version: pkg.version }));
    });
  return program;
}

/** The one place errors become output: a single line, and an exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  let commanderMessage = '';
  program.configureOutput({ writeErr: (s) => (commanderMessage += s) });
  for (const c of program.commands) c.configureOutput({ writeErr: (s) => (commanderMessage += s) });
  try {
    await program.parseAsync(moveLeadingOptions(argv, names));
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return; // --help, --version
      const text = commanderMessage.replace(/^error: /, '').replace(/\n+/g, ' ').trim();
      const sub = argv.slice(2).find((a) => names.includes(a));
      process.stderr.write(`tsgenkernel: ${text} — see 'tsgenkernel ${sub ? sub + ' ' : ''}--help'\n`);
      process.exitCode = 2;
      return;
    }
    const userError = isGkError(err) ? err : userErrorFromErrno(err);
    if (userError) {
      process.stderr.write(`tsgenkernel: ${userError.oneLine()}\n`);
      process.exitCode = userError.exitCode;
      return;
    }
    process.stderr.write(`tsgenkernel: internal error: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 70;
  }
}
