/**
 * genkernel's filename placeholders: %%KV%% is the kernel version, %%ARCH%% the kernel arch
 * (x86_64 here). Any other %%WORD%% is left for the user to see rather than guessed at.
 */
export function expandFilename(template: string, facts: { kv: string; arch: string }): string {
  return template.replaceAll('%%KV%%', facts.kv).replaceAll('%%ARCH%%', facts.arch);
}
