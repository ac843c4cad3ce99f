import { copyFile, open } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { BuildContext } from '../context.js';
import { run } from '../exec.js';
import { kernelToolchain } from './toolchain.js';

/** Does the file start with the ELF magic (vmlinux does; a bzImage, an Image or a zImage does not)? */
export async function isElf(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    return head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  } finally {
    await fh.close();
  }
}

/**
 * --strip=kernel|all on the image about to be installed. An ELF image (vmlinux, through
 * --kernel-binary) is copied into the temp dir and its debug sections stripped there, so the tree
 * keeps its own. A bzImage holds no symbol table to strip: the kernel build made its payload with
 * `objcopy -S`, so it is left as it is and the log says why (genkernel calls this mode obsolete).
 * Returns the path to install.
 */
export async function stripKernelImage(ctx: BuildContext, image: string): Promise<string> {
  if (!(await isElf(image))) {
    ctx.log.info(`--strip=${ctx.settings.STRIP_TYPE}: ${basename(image)} is not an ELF file (its payload was built with objcopy -S), nothing to strip`);
    return image;
  }
  const copy = join(ctx.paths.tmp, `${basename(image)}.stripped`);
  await copyFile(image, copy);
  const [strip, ...args] = kernelToolchain(ctx.settings).strip;
  await run(strip!, [...args, '--strip-debug', copy], { log: ctx.log, what: `strip --strip-debug ${basename(image)}`, hint: 'install binutils, or set --kernel-strip' });
  ctx.log.info(`--strip=${ctx.settings.STRIP_TYPE}: debug sections stripped from the installed ${basename(image)}`);
  return copy;
}
