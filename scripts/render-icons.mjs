// Renders the manifest icons from their SVG sources with the Debian Chromium (no downloaded
// browser): manifest/icons/color.svg -> manifest/color.png (192x192, opaque background) and
// manifest/icons/outline.svg -> manifest/outline.png (32x32, transparent background).
// Run after editing an SVG: `node scripts/render-icons.mjs`; commit the PNGs.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const icons = [
  { svg: "manifest/icons/color.svg", png: "manifest/color.png", size: 192 },
  { svg: "manifest/icons/outline.svg", png: "manifest/outline.png", size: 32 },
];

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  for (const icon of icons) {
    const svg = await readFile(path.join(root, icon.svg), "utf8");
    const page = await browser.newPage({
      viewport: { width: icon.size, height: icon.size },
      deviceScaleFactor: 1,
    });
    await page.setContent(
      `<html><body style="margin:0;background:transparent">${svg}</body></html>`,
    );
    // omitBackground keeps the alpha channel: the outline icon must be transparent.
    await page.locator("svg").screenshot({ path: path.join(root, icon.png), omitBackground: true });
    await page.close();
    console.log(`wrote ${icon.png}`);
  }
} finally {
  await browser.close();
}
