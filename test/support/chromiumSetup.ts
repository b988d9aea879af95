// Finds (on Debian as root: installs) the Chromium that checks advice.html in a real browser, once
// per test run, and hands its path to the tests as inject('chromium'). Where none can be had, the
// browser tests are skipped and say why (inject('chromiumMissing')).
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../../tools/browser/chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A Chromium executable, or '' when there is none. */
    chromium: string;
    /** Why there is none (what to install), or ''. */
    chromiumMissing: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const found = await ensureChromium({ log: (m) => console.log(`[chromium] ${m}`) });
  if (found.ok) console.log(`[chromium] the HTML report is checked in ${found.version}`);
  else console.log(`[chromium] the browser tests are skipped: ${found.reason}`);
  project.provide('chromium', found.ok ? found.path : '');
  project.provide('chromiumMissing', found.ok ? '' : found.reason);
}
