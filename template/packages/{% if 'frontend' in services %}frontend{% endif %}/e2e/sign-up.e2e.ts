import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs against a served build and the real services: E2E_BASE_URL is where the SPA is served
// (for example `vite preview`), CHROMIUM_PATH the browser (Debian's chromium by default).
const baseUrl = process.env.E2E_BASE_URL;

describe.skipIf(baseUrl === undefined)('the SPA in a real browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      // Quiet and self-contained: no sandbox as root in CI, and no calls to Google's services.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser.close();
  });

  it('signs up, creates a workspace, sees it listed, and finds it again after signing back in', async () => {
    const page = await browser.newPage();
    const email = `browser-${crypto.randomUUID()}@example.org`;
    const password = 'a passphrase typed in a browser';
    await page.goto(baseUrl ?? '');

    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Create an account', exact: true }).click();
    await page.getByRole('heading', { name: 'Your workspaces' }).waitFor();

    await page.getByLabel('Name').fill('Made in a browser');
    await page.getByRole('button', { name: 'Create workspace' }).click();
    const list = page.getByRole('list', { name: 'Workspace list' });
    await list.getByText('Made in a browser').waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await list.getByText('Made in a browser').waitFor();
    expect(await list.getByRole('listitem').allTextContents()).toEqual(['Made in a browser']);
  }, 60_000);
});
