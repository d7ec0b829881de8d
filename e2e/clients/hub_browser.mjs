// Drives the static example Space in headless Chromium: the page runs
// @huggingface/hub's oauthLoginUrl / oauthHandleRedirectIfPresent exactly as
// in the Spaces docs. This script plays the person: it opens the Space, signs
// in on the hub's login page, allows the consent page, and reports what
// huggingface.js returned. Then it signs in again with explicit scopes and a
// custom state (consent is remembered, so the hub redirects straight back).
//
// Usage: node hub_browser.mjs SPACE_URL USERNAME PASSWORD [SCREENSHOT_DIR]
import { chromium } from "playwright-core";

const [spaceURL, username, password, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const out = { chromium: browser.version(), results: [] };
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 760 } });
  const logged = [];
  page.on("console", async (msg) => {
    for (const a of msg.args()) {
      try {
        const v = await a.jsonValue();
        if (v && typeof v === "object" && "accessToken" in v) logged.push(v);
      } catch {}
    }
  });
  const shot = async (name) => shots && page.screenshot({ path: `${shots}/${name}.png` });

  await page.goto(spaceURL);
  await page.waitForSelector("input[name=password]", { timeout: 30000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await shot("login");
  await page.click("button[type=submit]");
  await page.waitForSelector("button[value=allow]", { timeout: 30000 });
  await shot("consent");
  await page.click("button[value=allow]");
  await page.waitForSelector("#result:not([hidden])", { timeout: 30000 });
  await shot("signed-in-static");
  out.results.push({
    status: await page.textContent("#status"),
    scope: (await page.textContent("#scope")).trim(),
    userInfo: JSON.parse(await page.textContent("#userinfo")),
    url: page.url(),
  });

  // Again, with scopes and a custom state.
  await page.evaluate(async () => {
    const { oauthLoginUrl } = await import("@huggingface/hub");
    const hubUrl = window.huggingface.variables.OPENID_PROVIDER_URL;
    window.location.href = await oauthLoginUrl({ hubUrl, scopes: "openid profile", state: "custom-state-é&=" });
  });
  await page.waitForFunction(() => !document.getElementById("result").hidden && document.getElementById("scope").textContent.trim() === "openid profile", null, { timeout: 30000 });
  await page.waitForTimeout(200);
  const last = logged.at(-1) || {};
  out.results.push({
    status: await page.textContent("#status"),
    scope: (await page.textContent("#scope")).trim(),
    state: last.state,
    userInfo: JSON.parse(await page.textContent("#userinfo")),
  });
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
