// Two people chat in the web client, each in their own browser context of Debian's chromium driven by playwright-core:
// sign up, find each other, message, typing, read receipt, reaction; every console error and page error is collected.
// Usage: node web-chat.cjs <baseUrl> <screenshotPath> <dashboardScreenshotPath>. Prints one JSON line; the xunit test (WebClientBrowserTests) asserts on it.
'use strict';
const { chromium } = require('playwright-core');

const [baseUrl, screenshotPath, dashboardScreenshotPath] = process.argv.slice(2);
// Flags for a closed network and a root user (see the repository's docs/testing.md).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const suffix = Math.random().toString(36).slice(2, 8);

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
  const problems = [];
  const steps = {};
  try {
    const open = async (name) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20000);
      page.on('console', (message) => { if (message.type() === 'error') problems.push(`${name} console: ${message.text()}`); });
      page.on('pageerror', (error) => problems.push(`${name} page error: ${error.message}`));
      await page.goto(baseUrl + '/');
      return page;
    };
    const signUp = async (page, username, nickname) => {
      await page.getByLabel('Username (3–20').fill(username);
      await page.getByLabel('Nickname').fill(nickname);
      await page.getByLabel('Password (8+').fill('passw0rd1');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.locator('#who').filter({ hasText: nickname }).waitFor();
    };

    const alice = await open('alice');
    const bob = await open('bob');
    await signUp(alice, 'alice_' + suffix, 'Alice');
    await signUp(bob, 'bob_' + suffix, 'Bob');
    steps.signedUp = true;

    await alice.getByLabel('Find people by name or user code').fill('bob_' + suffix);
    await alice.getByRole('button', { name: 'Find' }).click();
    await alice.getByRole('button', { name: 'Chat with Bob' }).click();
    await alice.locator('#room-title').filter({ hasText: 'Bob' }).waitFor();
    // Bob's room list learns of the new room over SSE.
    await bob.locator('#rooms button[data-room]').first().click();
    await bob.locator('#room-title').filter({ hasText: 'Alice' }).waitFor();
    steps.roomOpened = true;

    await alice.getByLabel('Message', { exact: true }).pressSequentially('Hello Bob', { delay: 20 });
    await bob.locator('#typing').filter({ hasText: 'Alice is typing' }).waitFor();
    steps.typingSeen = true;

    await alice.getByLabel('Message', { exact: true }).press('Enter');
    const bobsCopy = bob.locator('.message', { hasText: 'Hello Bob' });
    await bobsCopy.waitFor();
    steps.messageReceived = true;
    const mine = alice.locator('.message.mine', { hasText: 'Hello Bob' });
    await mine.locator('.status[data-status="SAVED"]').waitFor();
    steps.savedTick = true;
    // Bob had the room open when it arrived: his read receipt reaches Alice as a read count.
    await mine.locator('.read[data-read-count="1"]').waitFor();
    steps.readReceipt = true;

    await bobsCopy.locator('button[data-reaction="thumbsup"]').click();
    await mine.locator('button[data-reaction="thumbsup"]', { hasText: '1' }).waitFor();
    steps.reactionSeen = true;

    await bob.getByLabel('Message', { exact: true }).fill('Hi Alice 👋');
    await bob.getByLabel('Message', { exact: true }).press('Enter');
    await alice.locator('.message', { hasText: 'Hi Alice' }).waitFor();
    steps.replyReceived = true;

    await alice.screenshot({ path: screenshotPath });
    steps.screenshot = screenshotPath;

    // A message scheduled for tomorrow is listed, and shows up as a job on the Hangfire dashboard (which this
    // machine, loopback, may open).
    await alice.getByText('Scheduled messages').click();
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await alice.getByLabel('Scheduled text').fill('See you tomorrow');
    await alice.getByLabel('Send at').fill(local);
    await alice.getByRole('button', { name: 'Schedule', exact: true }).click();
    await alice.locator('#scheduled li', { hasText: 'See you tomorrow' }).waitFor();
    steps.scheduled = true;
    const dashboard = await alice.context().newPage();
    await dashboard.goto(baseUrl + '/hangfire/jobs/scheduled');
    await dashboard.getByText('Shoot — scheduled messages').first().waitFor();
    await dashboard.getByText('ScheduledMessageJob.FireAsync').first().waitFor();
    await dashboard.screenshot({ path: dashboardScreenshotPath });
    steps.dashboard = dashboardScreenshotPath;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ steps, problems }));
}

main().then(() => process.exit(0), (error) => { console.error(error.stack || String(error)); process.exit(1); });
