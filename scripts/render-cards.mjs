// Renders card samples to PNG with the official Adaptive Cards JavaScript renderer (npm
// `adaptivecards`) in the Debian Chromium, styled like Teams' light theme, so a reviewer can
// look at every card in every language without a tenant.
//
//   node scripts/render-cards.mjs <samples.json> <out-dir>
//
// samples.json is what scripts/dump_card_samples.py prints. The generic renderer does not
// know Teams' extras: charts and Input.Rating show their fallback, which is exactly what
// older Teams clients show, so the pictures also prove the fallbacks read well.
import { mkdir, readFile, readdir, unlink } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium } from "playwright-core";

const [samplesPath, outDir] = process.argv.slice(2);
if (!samplesPath || !outDir) {
  console.error("usage: node scripts/render-cards.mjs <samples.json> <out-dir>");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const rendererScript = require.resolve("adaptivecards/dist/adaptivecards.min.js");
// Teams renders the Markdown subset of TextBlocks; the generic renderer needs a processor.
const markdownScript = path.join(
  path.dirname(require.resolve("markdown-it/package.json")), "dist/browser/markdown-it.umd.min.js");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

// Teams light theme values, as published in Microsoft's host config for Teams (Segoe UI,
// #242424 text, #6264A7 accent); the same colours serve every container style.
function teamsLightHostConfig() {
  const colours = {
    default: { default: "#ff252424", subtle: "#bf252424" },
    dark: { default: "#252424", subtle: "#bf252424" },
    light: { default: "#ffffff", subtle: "#fff3f2f1" },
    accent: { default: "#6264a7", subtle: "#8b8cc7" },
    good: { default: "#92c353", subtle: "#e592c353" },
    warning: { default: "#f8d22a", subtle: "#e5f8d22a" },
    attention: { default: "#c4314b", subtle: "#e5c4314b" },
  };
  const style = (backgroundColor) => ({ backgroundColor, foregroundColors: colours });
  const font = (fontFamily) => ({
    fontFamily,
    fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
    fontWeights: { lighter: 200, default: 400, bolder: 600 },
  });
  return {
    supportsInteractivity: true,
    spacing: { small: 8, default: 12, medium: 16, large: 20, extraLarge: 24, padding: 16 },
    separator: { lineThickness: 1, lineColor: "#EEEEEE" },
    imageSizes: { small: 32, medium: 52, large: 100 },
    fontStyles: {
      default: font("'Segoe UI', Tahoma, Geneva, Verdana, sans-serif"),
      monospace: font("'Courier New', Courier, monospace"),
    },
    containerStyles: {
      default: style("#ffffff"),
      emphasis: style("#fff9f8f7"),
      accent: style("#C7DEF9"),
      good: style("#CCFFCC"),
      attention: style("#FFC5B2"),
      warning: style("#FFE2B2"),
    },
    actions: {
      maxActions: 6, spacing: "Default", buttonSpacing: 8,
      showCard: { actionMode: "Inline", inlineTopMargin: 16, style: "emphasis" },
      actionsOrientation: "Horizontal", actionAlignment: "Left",
    },
    adaptiveCard: { allowCustomStyle: false },
    factSet: {
      title: { weight: "Bolder", wrap: true },
      value: { wrap: true },
      spacing: 16,
    },
  };
}

// A little of Teams' chrome (button shape, input borders) so the pictures read like Teams.
const PAGE = `<!doctype html><html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #f5f5f5; font-family: 'Segoe UI', Tahoma, sans-serif; }
  #frame { width: 520px; margin: 16px; background: #fff; border-radius: 6px;
           box-shadow: 0 1px 3px rgba(0,0,0,.18); overflow: hidden; }
  .ac-pushButton { border: 1px solid #e0e0e0; border-radius: 4px; background: #fff;
                   padding: 5px 12px; font-weight: 600; color: #242424; min-height: 32px; }
  .ac-pushButton.style-positive { background: #6264a7; color: #fff; border-color: #6264a7; }
  .ac-input { border: 1px solid #e0e0e0; border-radius: 4px; padding: 4px 8px; font: inherit; }
  .ac-textBlock p { margin: 0; }
</style></head><body><div id="frame"></div></body></html>`;

const samples = JSON.parse(await readFile(samplesPath, "utf8"));
await mkdir(outDir, { recursive: true });
// Cards removed from the gallery must not leave stale pictures behind.
for (const name of await readdir(outDir)) {
  if (name.endsWith(".png")) await unlink(path.join(outDir, name));
}

const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
let failures = 0;
try {
  const page = await browser.newPage({ viewport: { width: 560, height: 800 }, deviceScaleFactor: 1 });
  // Nothing may leave the machine: cards with remote images render without them.
  await page.route(/^https?:/, (route) => route.abort());
  await page.setContent(PAGE);
  await page.addScriptTag({ path: markdownScript });
  await page.addScriptTag({ path: rendererScript });
  await page.evaluate(() => {
    const markdown = window.markdownit({ html: false, linkify: false });
    AdaptiveCards.AdaptiveCard.onProcessMarkdown = (text, result) => {
      result.outputHtml = markdown.render(text);
      result.didProcess = true;
    };
  });
  for (const { name, locale, card } of samples) {
    const file = path.join(outDir, `${name}.${locale}.png`);
    const errors = await page.evaluate(({ card, hostConfig }) => {
      const frame = document.getElementById("frame");
      frame.replaceChildren();
      const adaptive = new AdaptiveCards.AdaptiveCard();
      adaptive.hostConfig = new AdaptiveCards.HostConfig(hostConfig);
      const context = new AdaptiveCards.SerializationContext();
      adaptive.parse(card, context);
      const problems = [];
      for (let i = 0; i < context.eventCount; i++) {
        const event = context.getEventAt(i);
        // Unknown Teams elements are expected (their fallback renders). The renderer checks
        // `lang` with a global-flag regex whose lastIndex survives between cards, so it
        // rejects valid codes on every other call: not a problem of the card.
        const expected = /unknown element|for property "lang"/i;
        if (event.phase !== undefined && !expected.test(event.message)) {
          problems.push(event.message);
        }
      }
      const rendered = adaptive.render();
      if (!rendered) problems.push("renderer produced nothing");
      else frame.appendChild(rendered);
      return problems;
    }, { card, hostConfig: teamsLightHostConfig() });
    await page.locator("#frame").screenshot({ path: file });
    if (errors.length) {
      failures += 1;
      console.error(`${name}.${locale}: ${errors.join("; ")}`);
    }
    console.log(`wrote ${file}`);
  }
} finally {
  await browser.close();
}
process.exit(failures ? 1 : 0);
