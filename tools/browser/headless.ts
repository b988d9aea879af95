// Headless Chromium on a local file: the DOM after its scripts ran, or a screenshot. Each run gets
// its own profile folder, so runs side by side (tests, the demo) never share one.

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

async function chromium(bin: string, args: string[], file: string): Promise<string> {
  const profile = await mkdtemp(join(tmpdir(), 'pgia-chromium-'));
  const flags = [
    '--headless',
    // Root in a container has no user namespace for the sandbox; the page is our own local file.
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--no-first-run',
    '--hide-scrollbars',
    `--user-data-dir=${profile}`,
  ];
  try {
    return await new Promise((resolve, reject) => {
      execFile(
        bin,
        [...flags, ...args, pathToFileURL(file).href],
        { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => (err ? reject(new Error(`${bin} failed: ${err.message}\n${stderr.slice(-2000)}`)) : resolve(stdout)),
      );
    });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The page's DOM as Chromium serializes it once the page has loaded (its scripts have run). */
export function dumpDom(bin: string, file: string): Promise<string> {
  return chromium(bin, ['--dump-dom'], file);
}

/** A PNG of the page's first `height` pixels at `width` (the whole page when height is its height). */
export async function screenshot(bin: string, file: string, png: string, size: { width: number; height: number }): Promise<void> {
  await chromium(bin, [`--window-size=${size.width},${size.height}`, `--screenshot=${png}`], file);
}
