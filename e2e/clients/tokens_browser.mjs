// Drives the hub's access tokens page in headless Chromium as a person
// would: signs in, creates a token, reads it from the page, and (once the
// test has used it) revokes it on the page. It saves the page with the new
// token in light and dark colours and at 360 px wide.
//
// It talks to the test on stdout and stdin, one JSON line each way:
//   → {"chromium", "token", "defaultDays"} after creating the token;
//   ← any line once the test has called whoami-v2 with it;
//   → {"notice", "status"} after revoking it;
//   → {"passwordError"} after a wrong current password on the password page
//     (saved in light, dark and 360 px too).
//
// Usage: node tokens_browser.mjs ISSUER USERNAME PASSWORD [SCREENSHOT_DIR]
import { chromium } from "playwright-core";
import readline from "node:readline";

const [issuer, username, password, shots] = process.argv.slice(2);
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const name = "laptop";
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
  await page.goto(`${issuer}/settings/tokens`);
  await page.waitForSelector("input[name=password]", { timeout: 30000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click("button[type=submit]");
  await page.waitForSelector("#token-name", { timeout: 30000 });
  const defaultDays = await page.inputValue("#token-expiry");
  await page.fill("#token-name", name);
  await page.check("input[name=role][value=write]");
  await page.click("text=Create token");
  await page.waitForSelector("#new-token", { timeout: 30000 });
  const token = await page.inputValue("#new-token");
  if (shots) {
    await page.screenshot({ path: `${shots}/tokens-light.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${shots}/tokens-dark.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 360, height: 900 });
    await page.screenshot({ path: `${shots}/tokens-360.png`, fullPage: true });
    await page.setViewportSize({ width: 900, height: 900 });
  }
  console.log(JSON.stringify({ chromium: browser.version(), token, defaultDays }));
  await lines.next();
  await page.click(`button[aria-label="Revoke ${name}"]`);
  await page.waitForSelector("p[role=status]", { timeout: 30000 });
  const notice = (await page.textContent("p[role=status]")).trim();
  const status = (await page.textContent("li.token .tag.warn")).trim();
  console.log(JSON.stringify({ notice, status }));

  // The password page, as a person who mistypes the current password:
  // the error stands next to its field.
  await page.goto(`${issuer}/settings/password`);
  await page.fill("#current-password", "not the password at all");
  await page.fill("#new-password", "a brand new passphrase");
  await page.fill("#confirm-password", "a brand new passphrase");
  await page.click("button[type=submit]");
  await page.waitForSelector("#current-password-error", { timeout: 30000 });
  const describedBy = await page.getAttribute("#current-password", "aria-describedby");
  if (describedBy !== "current-password-error") throw new Error(`current password field not tied to its error: ${describedBy}`);
  if (shots) {
    await page.screenshot({ path: `${shots}/password-light.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "dark" });
    await page.screenshot({ path: `${shots}/password-dark.png`, fullPage: true });
    await page.emulateMedia({ colorScheme: "light" });
    await page.setViewportSize({ width: 360, height: 900 });
    await page.screenshot({ path: `${shots}/password-360.png`, fullPage: true });
  }
  console.log(JSON.stringify({ passwordError: (await page.textContent("#current-password-error")).trim() }));
} finally {
  await browser.close();
  process.stdin.destroy();
}
