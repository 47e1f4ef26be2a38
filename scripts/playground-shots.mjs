// Screenshots of uptake's answers in the Microsoft 365 Agents Playground, as a person sees
// them: type each message into the Playground's chat, wait for the bot's card, capture it.
//
//   node scripts/playground-shots.mjs <playground-url> <out-dir> <message> [<message>...]
//
// Start `uptake serve --demo` and, next to it,
// `TEAMSAPPTESTER_BROWSER=none npx @microsoft/m365agentsplayground -e http://localhost:3978/api/messages -c msteams`
// (it prints the port, 56150 by default). Each message gives <out-dir>/<nn>-<slug>.png of the
// last card the bot sent; <out-dir>/start.png is the chat before the first message, and
// start-<nn>.png each card already in it.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium } from "playwright-core";

const [url, outDir, ...messages] = process.argv.slice(2);
if (!url || !outDir || messages.length === 0) {
  console.error("usage: node scripts/playground-shots.mjs <playground-url> <out-dir> <message>...");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// Without the background-networking flags, Chromium's own connections are refused by a
// closed network and slow every page down.
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
await mkdir(outDir, { recursive: true });
const page = await browser.newPage({ viewport: { width: 1100, height: 1600 } });
await page.goto(url, { waitUntil: "networkidle" });
// The welcome and what was queued for the user (a check-in, a tip, a digest) arrive after
// the install; the sender delivers them within a few seconds.
await page.waitForTimeout(Number(process.env.SETTLE_MS ?? 8000));
await page.screenshot({ path: path.join(outDir, "start.png") });

const cards = page.locator(".ac-adaptiveCard");
for (let i = 0; i < (await cards.count()); i += 1) {
  await cards.nth(i).scrollIntoViewIfNeeded();
  await cards.nth(i).screenshot({ path: path.join(outDir, `start-${String(i + 1).padStart(2, "0")}.png`) });
}
const slug = (text) => text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
let index = 0;
for (const message of messages) {
  index += 1;
  const before = await cards.count();
  const box = page.locator('[contenteditable="true"][role="textbox"]').first();
  await box.click();
  await box.fill(message);
  await page.keyboard.press("Enter");
  try {
    await page.waitForFunction(
      (n) => document.querySelectorAll(".ac-adaptiveCard").length > n, before, { timeout: 15000 });
  } catch {
    console.error(`no card came back for: ${message}`);
    continue;
  }
  await page.waitForTimeout(1500); // charts draw after the card is in the page
  const card = cards.last();
  await card.scrollIntoViewIfNeeded();
  const name = `${String(index).padStart(2, "0")}-${slug(message) || "message"}.png`;
  await card.screenshot({ path: path.join(outDir, name) });
  console.log(name);
}
await browser.close();
