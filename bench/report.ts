/** Markdown helpers and the small facts printed next to every table (load, versions). */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';

export const mib = (bytes: number, digits = 1): string => (bytes / 1048576).toFixed(digits);
export const kibToMib = (kib: number): string => (kib / 1024).toFixed(0);
export const secs = (ms: number, digits = 2): string => (ms / 1000).toFixed(digits);
export const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `uptime`'s load averages: the machine is shared, so every table says how busy it was. */
export function load(): string {
  const [one, five, fifteen] = loadavg().map((n) => n.toFixed(2));
  return `load average ${one}, ${five}, ${fifteen}`;
}

function firstLine(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n')[0]!.trim();
  } catch {
    return 'unknown';
  }
}

function dpkgVersion(pkg: string): string {
  return firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg]);
}

export function hostFacts(kv: string): string[] {
  return [
    `kernel ${kv}; host ${firstLine('uname', ['-r'])}, ${firstLine('nproc', [])} cores, node ${process.version}`,
    `initramfs-tools ${dpkgVersion('initramfs-tools')}, dracut-core ${dpkgVersion('dracut-core')}, ${firstLine('zstd', ['--version'])}`,
  ];
}
