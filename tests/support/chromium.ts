import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';

/** Debian's chromium, headless, with nothing that reaches the network by itself */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** sign in on the console's login form (the page shows it) and wait until the header names the user */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#login-form [name=username]', username);
  await page.fill('#login-form [name=password]', password);
  await page.click('#login-form button[type=submit]');
  await page.waitForSelector('#who:not([hidden])');
}

/** a page of a fresh browser context at the console, confirmations accepted, signed in as `username` */
export async function openConsole(
  browser: Browser,
  url: string,
  username: string,
  password: string,
  opts: { context?: BrowserContextOptions; beforeLoad?: (page: Page) => void } = {},
): Promise<Page> {
  const page = await (await browser.newContext(opts.context)).newPage();
  page.on('dialog', (d) => void d.accept());
  opts.beforeLoad?.(page);
  await page.goto(url);
  await signIn(page, username, password);
  return page;
}
