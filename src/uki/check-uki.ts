import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildContext } from '../context.js';
import type { CheckLine } from '../check-line.js';
import { expandFilename } from '../install/filenames.js';
import { checkStub, ukiKernelImage } from './plan.js';
import { ukiCmdline } from './cmdline.js';
import { espBytesNeeded, findEsp } from './esp.js';
import { checkSigningPair } from './sign.js';
import { readOsRelease } from './build-uki.js';

type Guard = (name: string, fn: () => Promise<CheckLine | CheckLine[] | undefined>) => Promise<CheckLine[]>;
const mb = (n: number) => Math.ceil(n / 1048576);

/**
 * `check` with --uki: the stub, the ESP and its room, the command line that would be embedded,
 * the signing pair. Each is its own line, so one failure does not hide the others. The room is
 * estimated from the kernel and the current initramfs (or the current UKI, when larger).
 */
export async function ukiCheckLines(ctx: BuildContext, guarded: Guard): Promise<CheckLine[]> {
  const s = ctx.settings;
  if (!s.UKI) return [];
  const out: CheckLine[] = [];
  out.push(...(await guarded('uki stub', async () => {
    await checkStub(s.UKI_STUB);
    return { status: 'ok', name: 'uki stub', text: s.UKI_STUB };
  })));
  out.push(...(await guarded('uki cmdline', async () => {
    const c = await ukiCmdline({ given: s.UKI_CMDLINE });
    return { status: 'ok', name: 'uki cmdline', text: `'${c.cmdline}' (from ${c.from})` };
  })));
  out.push(...(await guarded('uki signing', async () => {
    const pair = await checkSigningPair(s.UKI_SIGN_KEY, s.UKI_SIGN_CERT);
    return { status: 'ok', name: 'uki signing', text: pair ? `${pair.cert} matches ${pair.key}` : 'unsigned (no --uki-sign-key)' };
  })));
  if (!s.INSTALL) return out;
  out.push(...(await guarded('esp', async () => {
    const esp = await findEsp(s.ESP);
    const k = ctx.kernel;
    if (!k) return { status: 'ok', name: 'esp', text: esp };
    const { id } = await readOsRelease();
    const size = (p: string) => stat(p).then((x) => x.size, () => 0);
    const kernelBytes = await ukiKernelImage(ctx, k.version, k.arch).then(size, () => 0);
    const initramfsBytes = await size(join(ctx.paths.bootdir, expandFilename(s.INITRAMFS_FILENAME, { kv: k.version, arch: k.arch })));
    const currentUki = await size(join(esp, 'EFI', 'Linux', `${id}-${k.version}.efi`));
    const estimate = Math.max(kernelBytes + initramfsBytes + 256 * 1024, currentUki);
    const room = await espBytesNeeded(esp, estimate, id, k.version);
    if (room.free < room.needed) {
      return { status: 'FAIL', name: 'esp', text: `${esp} has ${mb(room.free)} MB free; the UKI needs about ${mb(room.needed)} MB (the new file and a copy of the current one as .old)`, hint: 'free space on the ESP (old EFI/Linux/*.efi, *.old files)' };
    }
    return { status: 'ok', name: 'esp', text: `${esp}: ${mb(room.free)} MB free, the UKI needs about ${mb(room.needed)} MB` };
  })));
  return out;
}
