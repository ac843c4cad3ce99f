/**
 * The built-in demo (README's first command): Debian's kernel with every module recompressed to
 * .ko.zst — the shape that stopped genkernel's images from booting — packaged by
 * `tsgenkernel initramfs` and booted in QEMU until the root disk's own init says it is running.
 */
import { bootFixture, SENTINEL } from '../test/boot/fixture.js';
import { buildImageOk } from '../test/boot/build-image.js';
import { bootImage, DECOY_SENTINEL, initLines, rootMountDevice } from '../test/boot/qemu.js';

const fx = bootFixture();
console.log(`demo: kernel ${fx.kv}, modules recompressed to .ko.zst in ${fx.zstdModulesPrefix}`);
const built = buildImageOk(fx, ['--no-decompress-modules', '--loglevel=2'], 'demo');
process.stdout.write(built.output);
console.log(`demo: built ${built.image} in ${(built.ms / 1000).toFixed(1)}s; booting it in QEMU (TCG)…`);
// A decoy root-like disk comes first (vda): the init has to find the root it was given (vdb).
const boot = await bootImage({ kernel: fx.kernel, initramfs: built.image, disks: [fx.decoyDisk, fx.rootDisk], append: 'root=/dev/vdb', timeoutMs: 120_000 });
console.log(initLines(boot.output));
if (!boot.reachedRoot || boot.output.includes(DECOY_SENTINEL) || rootMountDevice(boot.output) !== '/dev/vdb') {
  console.error(`demo: FAILED — the root disk's init never printed ${SENTINEL}; full console:\n${boot.output}`);
  process.exit(1);
}
console.log(`demo: OK — the root disk's init ran ${(boot.ms / 1000).toFixed(1)}s after QEMU started, with the zstd modules loaded by the image's static kmod`);
