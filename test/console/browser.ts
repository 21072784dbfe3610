import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (.ci/run installs it); playwright-core brings no browser of its own. */
export const chromiumPath = process.env.BERTH_CHROMIUM ?? "/usr/bin/chromium";

/** Headless, with no background traffic: this machine's closed network refuses it, many times a start. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A page that collects what its console and uncaught errors report, for a test to assert there are none. */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 720 }): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  return { page, errors };
}
