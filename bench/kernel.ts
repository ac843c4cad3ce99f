/**
 * The `kernel` section of the bench: build-once-deploy-to-many (issue 18) in numbers. A kernel
 * compile takes minutes on this machine, so the bench does not run its own: it reads what the
 * kernel suite (test/kernel/kernel-boot.suite.ts) measured on its last run — the full compile,
 * `all` on the built tree, `all` writing a kerncache, `all` with a valid kerncache, `all
 * --integrated-initramfs`, and the size of each package — and says when that run was.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mib, table } from './report.js';

export const KERNEL_FACTS_FILE = process.env.TSGK_KERNEL_FACTS ?? '/var/tmp/tsgk-kernel/kernel-suite-facts.json';

interface KernelFacts {
  measuredAt: string;
  fullBuildSeconds?: number;
  loadAverageAfterBuild?: string;
  allOnBuiltTreeSeconds?: number;
  allWritingKerncacheSeconds?: number;
  allWithValidKerncacheSeconds?: number;
  integratedSeconds?: number;
  kerncacheBytes?: number;
  minkernpackageBytes?: number;
  modulespackageBytes?: number;
}

/** The section's markdown, or one line saying how to get the numbers. */
export function kernelSection(file = KERNEL_FACTS_FILE): string {
  if (!existsSync(file)) {
    return `\n## Kernel cache and packages\n\nNo measurement yet: run the kernel suite (npm run test:kernel) first; it writes ${file}.\n`;
  }
  const f = JSON.parse(readFileSync(file, 'utf8')) as KernelFacts;
  const s = (n?: number) => (n === undefined ? '—' : n.toFixed(1));
  const times = table(['run (linux-source-6.1, the suite\'s small config, -j2, CC="distcc gcc" to a loopback distccd)', 'wall s'], [
    [`full configure, compile, install, modules_install (fresh output dir; load average ${f.loadAverageAfterBuild ?? '?'} after it)`, s(f.fullBuildSeconds)],
    ['`all` on the built tree (make finds nothing to do; initramfs built)', s(f.allOnBuiltTreeSeconds)],
    ['`all --kerncache` writing the cache', s(f.allWritingKerncacheSeconds)],
    ['`all --kerncache` with a valid cache (compile skipped, restored; packages written)', s(f.allWithValidKerncacheSeconds)],
    ['`all --integrated-initramfs` (relink with the initramfs inside)', s(f.integratedSeconds)],
  ]);
  const size = (n?: number) => (n === undefined ? '—' : mib(n, 2));
  const sizes = table(['archive', 'MiB'], [
    ['--kerncache (.tar.zst: image, System.map, config, module tree)', size(f.kerncacheBytes)],
    ['--minkernpackage (.tar.xz: image, System.map, config, initramfs)', size(f.minkernpackageBytes)],
    ['--modulespackage (.tar.zst: lib/modules/KV)', size(f.modulespackageBytes)],
  ]);
  return `\n## Kernel cache and packages (measured by the kernel suite at ${f.measuredAt})\n\n${times}\n\n${sizes}\n`;
}
