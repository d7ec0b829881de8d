// Drives the Go example Space (examples/space-go, run by hubid space run) in
// headless Chromium with third-party cookies blocked: first at top level,
// then shown inside an iframe on another site (localhost vs
// demo-space-go.localhost). In the frame the SDK's button opens the login in
// a new tab (the hub's pages refuse to be framed); the user must end up
// signed in there, with no redirect loop (logins are counted on the whole
// browser context, from before the first click). A probe checks that the
// framed Space really gets no third-party cookies.
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
const isLogin = (r) => new URL(r.url()).pathname.endsWith("/login/huggingface");

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
    let logins = 0;
    ctx.on("request", (r) => { if (isLogin(r)) logins++; });
    const page = await ctx.newPage();
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
    // Every request in the context, in every tab and frame, from before the
    // first click: a redirect loop shows up here wherever it happens.
    let logins = 0;
    let framing = false, framedRequest;
    ctx.on("request", (r) => {
      if (isLogin(r)) logins++;
      // The iframe's document request, while the framing page loads.
      if (framing && !framedRequest && r.isNavigationRequest() && r.url().startsWith(spaceURL)) framedRequest = r;
    });
    // Probe that third-party cookies really are blocked: a cookie the Space
    // sets at top level (SameSite=None, so only the third-party policy can
    // withhold it) must be neither sent to nor readable by the framed Space.
    const page = await ctx.newPage();
    await page.goto(spaceURL);
    const firstParty = await page.evaluate(() => {
      document.cookie = "hubid_probe=1; Path=/; Secure; SameSite=None";
      return document.cookie;
    });
    framing = true;
    await page.goto(framerURL);
    const frame = page.frameLocator("iframe");
    const button = frame.locator("a", { hasText: "Sign in with HF" });
    await button.waitFor({ timeout: 30000 });
    framing = false;
    const framedCookie = await page.frames().find((f) => f !== page.mainFrame()).evaluate(() => document.cookie);
    const framedHeaders = framedRequest ? await framedRequest.allHeaders() : {};
    out.thirdPartyCookies = {
      setAtTopLevel: firstParty.includes("hubid_probe=1"),
      framedRequestSeen: !!framedRequest,
      sentToFrame: (framedHeaders.cookie || "").includes("hubid_probe"),
      readableInFrame: framedCookie.includes("hubid_probe"),
    };
    out.framedTarget = await button.getAttribute("target");
    const [popup] = await Promise.all([ctx.waitForEvent("page"), button.click()]);
    await signInAtHub(popup);
    await popup.waitForSelector("text=Sign out @" + username, { timeout: 30000 });
    // A loop would keep going after the signed-in page first showed.
    await popup.waitForTimeout(1500);
    out.framed = { signedInTopLevel: await popup.isVisible("text=Sign out @" + username), logins, url: popup.url() };
    await ctx.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
