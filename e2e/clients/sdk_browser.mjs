// Drives the Go example Space (examples/space-go, run by hubid space run) in
// headless Chromium with third-party cookies blocked: first at top level,
// then shown inside an iframe on another site (localhost vs
// demo-space-go.localhost). In the frame the SDK's button opens the login in
// a new tab (the hub's pages refuse to be framed); the user must end up
// signed in there, with no redirect loop.
//
// Usage: node sdk_browser.mjs SPACE_URL FRAMER_URL USERNAME PASSWORD [SCREENSHOT_DIR]
import { chromium } from "playwright-core";

const [spaceURL, framerURL, username, password, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    "--test-third-party-cookie-phaseout"],
});
const out = { chromium: browser.version() };

async function signInAtHub(page) {
  await page.waitForSelector("input[name=password]", { timeout: 30000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  // Consent the first time only.
  await page.waitForFunction(() => document.querySelector("button[value=allow]") || document.body.innerText.includes("Sign out"), null, { timeout: 30000 });
  const allow = await page.$("button[value=allow]");
  if (allow) await allow.click();
}

try {
  // 1. At top level (the Space opened directly).
  {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 900, height: 700 } });
    const page = await ctx.newPage();
    let logins = 0;
    page.on("request", (r) => { if (new URL(r.url()).pathname.endsWith("/login/huggingface")) logins++; });
    await page.goto(spaceURL);
    await page.click("text=Sign in with HF");
    await signInAtHub(page);
    await page.waitForSelector("text=Sign out @" + username, { timeout: 30000 });
    await page.goto(new URL("/me", spaceURL).href);
    await page.waitForSelector("text=read-repos", { timeout: 30000 });
    if (shots) await page.screenshot({ path: `${shots}/signed-in-go.png` });
    out.topLevel = { signedIn: true, logins, me: (await page.textContent("main")).replace(/\s+/g, " ").trim().slice(0, 400) };
    await ctx.close();
  }
  // 2. Inside a cross-site iframe, third-party cookies blocked.
  {
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 900, height: 700 } });
    const page = await ctx.newPage();
    await page.goto(framerURL);
    const frame = page.frameLocator("iframe");
    const button = frame.locator("a", { hasText: "Sign in with HF" });
    await button.waitFor({ timeout: 30000 });
    out.framedTarget = await button.getAttribute("target");
    const [popup] = await Promise.all([ctx.waitForEvent("page"), button.click()]);
    let logins = 0;
    popup.on("request", (r) => { if (new URL(r.url()).pathname.endsWith("/login/huggingface")) logins++; });
    await signInAtHub(popup);
    await popup.waitForSelector("text=Sign out @" + username, { timeout: 30000 });
    out.framed = { signedInTopLevel: true, logins, url: popup.url() };
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
