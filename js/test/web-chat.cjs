// Two people chat in the web client, each in their own browser context of Debian's chromium driven by playwright-core:
// sign up, find each other, message, typing, read receipt, reaction, presence, pin and unpin, edit, delete, a thread,
// a friend request accepted, a group room, forwarding, favourites and room search, phone width; every console error
// and page error is collected.
// Usage: node web-chat.cjs <baseUrl> <screenshotPath> <dashboardScreenshotPath>. Prints one JSON line; the xunit test (WebClientBrowserTests) asserts on it.
'use strict';
const { chromium } = require('playwright-core');

const [baseUrl, screenshotPath, dashboardScreenshotPath] = process.argv.slice(2);
// Flags for a closed network and a root user (see the repository's docs/testing.md).
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const suffix = Math.random().toString(36).slice(2, 8);

const problems = [];
const steps = {};
const pages = {};

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ARGS });
  try {
    const open = async (name) => {
      const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
      const page = await context.newPage();
      page.setDefaultTimeout(20000);
      page.on('console', (message) => { if (message.type() === 'error') problems.push(`${name} console: ${message.text()}`); });
      page.on('pageerror', (error) => problems.push(`${name} page error: ${error.message}`));
      if (process.env.DEBUG_CONSOLE) page.on('console', (message) => console.error(name, message.type(), message.text()));
      await page.goto(baseUrl + '/');
      pages[name] = page;
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

    // Presence: Bob is connected, so the dot of Alice's room with him shows him online.
    await alice.locator('#rooms .presence[data-presence="ONLINE"]').first().waitFor();
    steps.presenceSeen = true;

    // Pins: Alice pins her message, Bob sees it pinned and unpins it from his pinned list, Alice sees it go.
    await mine.getByRole('button', { name: 'Pin', exact: true }).click();
    await bob.locator('#pin-list li', { hasText: 'Hello Bob' }).waitFor();
    await bobsCopy.and(bob.locator('[data-pinned="true"]')).waitFor();
    steps.pinSeen = true;
    await bob.locator('#pin-list li', { hasText: 'Hello Bob' }).getByRole('button', { name: /^Unpin/ }).click();
    await alice.locator('#pins').waitFor({ state: 'hidden' });
    await mine.getByRole('button', { name: 'Pin', exact: true }).waitFor();
    steps.unpinSeen = true;

    // Edit: Alice corrects her message; Bob's copy changes in place, marked edited.
    await mine.getByRole('button', { name: 'Edit', exact: true }).click();
    await alice.getByLabel('Edit message').fill('Hello Bob, how are you?');
    await alice.getByLabel('Edit message').press('Enter');
    const edited = bob.locator('.message', { hasText: 'Hello Bob, how are you?' });
    await edited.locator('.edited').waitFor();
    steps.editSeen = true;

    // Delete: Bob takes his greeting back; Alice sees it deleted.
    await bob.locator('.message.mine', { hasText: 'Hi Alice' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await alice.locator('.message.deleted .text', { hasText: '(deleted)' }).waitFor();
    steps.deleteSeen = true;

    // Threads: Bob answers Alice's message in its thread; Alice sees the reply marked and opens the thread.
    await edited.getByRole('button', { name: 'Thread', exact: true }).click();
    await bob.locator('#thread-messages .message', { hasText: 'Hello Bob, how are you?' }).waitFor();
    await bob.getByLabel('Reply in thread').fill('Fine, thanks (in the thread)');
    await bob.getByLabel('Reply in thread').press('Enter');
    const threadReply = alice.locator('#messages .message', { hasText: 'Fine, thanks' });
    await threadReply.getByRole('button', { name: '↳ in a thread' }).click();
    await alice.locator('#thread-messages .message', { hasText: 'Fine, thanks' }).waitFor();
    steps.threadSeen = true;

    // Bob's reply became SAVED on Alice's screen from the room's status topic, so she can pin it; the screenshot for
    // the README shows the pinned bar and the open thread.
    await threadReply.getByRole('button', { name: 'Pin', exact: true }).click();
    await bob.locator('#pin-list li', { hasText: 'Fine, thanks' }).waitFor();
    await alice.locator('#pin-list li', { hasText: 'Fine, thanks' }).waitFor();
    await alice.screenshot({ path: screenshotPath });
    steps.screenshot = screenshotPath;
    await alice.getByRole('button', { name: 'Close thread' }).click();

    // Friends: Alice sends a request with Bob's user code; Bob sees it and accepts; Alice's friend list has Bob.
    const bobsCode = (await bob.locator('#who').textContent()).match(/user code: ([A-Z0-9]{8})/)[1];
    await alice.locator('#friends-panel summary').click();
    await alice.getByLabel('Add a friend by their user code').fill(bobsCode);
    await alice.getByRole('button', { name: 'Send request' }).click();
    await alice.locator('#outgoing li', { hasText: 'Bob' }).waitFor();
    await bob.locator('#friends-panel summary').click();
    await bob.getByRole('button', { name: 'Refresh friends and requests' }).click();
    await bob.getByRole('button', { name: /^Accept Alice/ }).click();
    await bob.locator('#friends li', { hasText: 'Alice' }).waitFor();
    await alice.locator('#friends li', { hasText: 'Bob' }).waitFor();
    steps.friendAccepted = true;

    // A group room with the new friend, and a message in it.
    const team = 'Team ' + suffix;
    await alice.getByText('New group room').click();
    await alice.getByLabel('Group title').fill(team);
    await alice.locator('#group-members').getByRole('checkbox', { name: /Bob \(@bob_/ }).check();
    await alice.getByRole('button', { name: 'Create group' }).click();
    await alice.locator('#room-title').filter({ hasText: team }).waitFor();
    await bob.locator('#rooms button[data-room]', { hasText: team }).click();
    await bob.locator('#room-title').filter({ hasText: team }).waitFor();
    await alice.getByLabel('Message', { exact: true }).fill('Hello team');
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    await bob.locator('.message', { hasText: 'Hello team' }).waitFor();
    steps.groupMessage = true;

    // Forwarding: Bob forwards it to his 1:1 room with Alice, where she (there already) sees it marked as forwarded.
    await alice.locator('#rooms button[data-room]', { hasText: 'Bob' }).click();
    await alice.locator('#room-title').filter({ hasText: 'Bob' }).waitFor();
    await bob.locator('.message', { hasText: 'Hello team' }).getByRole('button', { name: 'Forward', exact: true }).click();
    await bob.getByLabel('Forward to').selectOption({ label: 'Alice' });
    await bob.locator('#forward-dialog').getByRole('button', { name: 'Forward', exact: true }).click();
    await alice.locator('.message', { hasText: 'Hello team' }).locator('.forwarded').waitFor();
    steps.forwarded = true;

    // Favourites and room search narrow the room list.
    await alice.getByRole('button', { name: 'Favourite: ' + team }).click();
    await alice.getByRole('button', { name: 'Favourite: ' + team, pressed: true }).waitFor();
    await alice.getByLabel('Favourites only').check();
    await alice.locator('#rooms button[data-room]', { hasText: 'Bob' }).waitFor({ state: 'detached' });
    await alice.getByLabel('Favourites only').uncheck();
    await alice.getByLabel('Search your rooms').fill('team');
    await alice.locator('#rooms button[data-room]', { hasText: 'Bob' }).waitFor({ state: 'detached' });
    await alice.locator('#rooms button[data-room]', { hasText: team }).waitFor();
    await alice.getByLabel('Search your rooms').fill('');
    await alice.locator('#rooms button[data-room]', { hasText: 'Bob' }).waitFor();
    steps.roomFilters = true;

    // Phone width: nothing wider than the screen.
    await bob.setViewportSize({ width: 390, height: 844 });
    steps.phoneWidth = await bob.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

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
  } catch (error) {
    // What each page showed when a step failed, for the test's failure message.
    for (const [name, page] of Object.entries(pages)) {
      const shown = await page.locator('#room').innerHTML({ timeout: 1000 }).catch(() => '(unavailable)');
      console.error(`${name}'s room: ${shown.replace(/\s+/g, ' ').slice(0, 4000)}`);
    }
    console.error(`steps: ${JSON.stringify(steps)} problems: ${JSON.stringify(problems)}`);
    throw error;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify({ steps, problems }));
}

main().then(() => process.exit(0), (error) => { console.error(error.stack || String(error)); process.exit(1); });
