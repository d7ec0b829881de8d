// Signs in through the static example Space (with an org-reaching scope) in
// headless Chromium, as a person who ticks one of their orgs on the hub's
// consent page. It saves the consent page in light and dark colours and at
// 360 px wide, then reports what @huggingface/hub parsed from userinfo.
//
// Usage: node org_browser.mjs SPACE_URL USERNAME PASSWORD ORG [SCREENSHOT_DIR]
import { chromium } from "playwright-core";

const [spaceURL, username, password, org, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const out = { chromium: browser.version() };
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await page.goto(spaceURL);
  await page.waitForSelector("input[name=password]", { timeout: 30000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("button[value=allow]", { timeout: 30000 });
  out.offered = await page.$$eval("label.org .org-name", (els) => els.map((e) => e.textContent));
  out.tickedBefore = await page.$$eval("label.org input:checked", (els) => els.length);
  if (shots) {
    await page.screenshot({ path: `${shots}/consent-orgs-light.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${shots}/consent-orgs-dark.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 360, height: 900 });
    await page.screenshot({ path: `${shots}/consent-orgs-360.png`, fullPage: true });
    await page.setViewportSize({ width: 900, height: 900 });
  }
  await page.check(`label.org:has(.org-name:text-is("${org}")) input`);
  await page.click("button[value=allow]");
  await page.waitForSelector("#result:not([hidden])", { timeout: 30000 });
  out.scope = (await page.textContent("#scope")).trim();
  out.userInfo = JSON.parse(await page.textContent("#userinfo"));
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
