/**
 * The scale section of bench/run.ts: ours and mkinitramfs at 12, 275, 1000 and all modules
 * (bench/scale.ts picks the lists), time, peak RSS and size, and the SVG chart of both.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { KV } from '../test/boot/fixture.js';
import { imageFacts } from './image-facts.js';
import { measureOk, median } from './measure.js';
import { kibToMib, mib, secs } from './report.js';
import { moduleListOf, SCALE_POINTS } from './scale.js';
import { lineChart } from './svg-plot.js';
import { mkinitramfs, ours, type Invocation, type OursSetup } from './tools.js';

interface Point {
  asked: string;
  tool: string;
  modules: number;
  wallMs: number;
  peakKiB: number;
  bytes: number;
}

async function measurePoint(inv: Invocation, asked: string, runs: number, images: string): Promise<Point> {
  const walls: number[] = [];
  let peak = 0;
  for (let i = 0; i < runs; i++) {
    inv.reset();
    const m = await measureOk(`${inv.tool} (${asked} modules)`, inv.cmd, inv.args, { env: inv.env, timeoutMs: 1_800_000 });
    walls.push(m.wallMs);
    peak = Math.max(peak, m.peakTreeKiB);
    process.stderr.write(`  scale ${asked} ${inv.tool} ${i + 1}/${runs}: ${secs(m.wallMs)} s\n`);
  }
  const kept = join(images, `scale-${asked}-${inv.tool}.img`);
  copyFileSync(inv.image(), kept);
  const facts = await imageFacts(kept);
  return { asked, tool: inv.tool, modules: facts.modules, wallMs: median(walls), peakKiB: peak, bytes: facts.compressedBytes };
}

export async function scaleSection(setup: OursSetup, work: string, images: string, runs: number): Promise<{ rows: string[][]; svg: string }> {
  const moduleDir = join(setup.modulesPrefix ?? '/', 'lib', 'modules', KV);
  const points: Point[] = [];
  for (const target of [...SCALE_POINTS, Infinity]) {
    const asked = Number.isFinite(target) ? String(target) : 'all';
    const list = moduleListOf(moduleDir, target);
    // Ours takes --all-ramdisk-modules for "all", as a user would; mkinitramfs gets the whole list.
    const mine = ours(setup, 'generic', `scale-${asked}`, Number.isFinite(target) ? [] : ['--all-ramdisk-modules']);
    const mineList = Number.isFinite(target) ? ours({ ...setup, modules: list }, 'generic', `scale-${asked}`) : mine;
    points.push(await measurePoint(mineList, asked, runs, images));
    // mkinitramfs takes minutes at the top end: one run there.
    try {
      points.push(await measurePoint(mkinitramfs(work, KV, 'generic', list, `scale-${asked}`), asked, target >= 1000 ? 1 : runs, images));
    } catch (err) {
      // Where mkinitramfs cannot be set up for a list, the row says so and the chart leaves the point out.
      process.stderr.write(`  scale ${asked} mkinitramfs failed: ${String(err).slice(0, 300)}\n`);
    }
  }
  const rows = points.map((p) => [p.asked, p.tool, String(p.modules), secs(p.wallMs), kibToMib(p.peakKiB), mib(p.bytes, 1), p.tool !== 'tsgenkernel' ? '—' : p.peakKiB < 200 * 1024 ? 'yes' : '**no**']);
  const colour: Record<string, string> = { tsgenkernel: '#1f77b4', mkinitramfs: '#d62728' };
  const series = (y: (p: Point) => number) =>
    ['tsgenkernel', 'mkinitramfs'].map((tool) => ({ label: tool, colour: colour[tool]!, points: points.filter((p) => p.tool === tool).map((p) => ({ x: p.modules, y: y(p) })) }));
  const svg = lineChart([
    { title: 'Build time', yLabel: 'seconds (median)', series: series((p) => Number((p.wallMs / 1000).toFixed(2))) },
    { title: 'Image size', yLabel: 'MiB', series: series((p) => Number((p.bytes / 1048576).toFixed(1))) },
  ]);
  return { rows, svg };
}
