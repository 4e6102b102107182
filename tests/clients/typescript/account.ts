// The account part of the scenario (scenario.ts calls it last): a fresh user, Erin, verifies her
// email with the code of the mail registration sent, changes her name (not to someone else's
// email), forgets her password and resets it with the code of the reset mail; logged in again, she
// sets an avatar (its URL opens without a token), removes it, asks for a copy of her data (built
// in the background, then mailed as a link that downloads the ZIP without a token), and deletes
// her account. The mails are read from the Maildir of the test's SMTP server, passed in
// CONFAB_TEST_MAILDIR. Every field read below is read through the generated types.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import type { Client } from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type DataExport = components["schemas"]["DataExportDto"];
type ErrorBody = components["schemas"]["ErrorBody"];
type Profile = components["schemas"]["UserProfileDto"];
type StatusMessage = components["schemas"]["StatusMessage"];

export interface Scenario {
  /** The server's address, which relative URLs (an `avatar_url`) are resolved against. */
  baseUrl: string;
  anonymous: Client<paths>;
  as: (token: string) => Client<paths>;
  register: (name: string) => Promise<{ id: number; email: string; token: string }>;
  expectError: (error: ErrorBody | undefined, status: number, actual: number) => ErrorBody;
  /** The scenario's tag, in every address it makes. */
  tag: string;
  /** Another account's email. */
  taken: string;
}

const PASSWORD = "a brand new passphrase";
const FORGOT_MESSAGE = "If an account with that email exists, we have sent it a password reset link.";
/** A date and time as RFC 3339 writes it (the document's `date-time`). */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** A valid 2×2 RGB PNG: the avatar Erin uploads. */
const PNG = Uint8Array.from(
  Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR42mP4z8DAAMIM////ZwAAHu8E/HMcU8wAAAAASUVORK5CYII=", "base64"),
);

/** Undoes quoted-printable (soft line breaks, `=XX`), which mailers may use for long lines. */
function unquote(text: string): string {
  const joined = text.replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i] ?? ""));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** One mail of the Maildir: its headers (unfolded, names lower-cased) and decoded body. */
function parse(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = split < 0 ? raw : raw.slice(0, split);
  const body = split < 0 ? "" : raw.slice(split).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const encoding = headers.get("content-transfer-encoding") ?? "";
  return { headers, body: /quoted-printable/i.test(encoding) ? unquote(body) : body };
}

/** The body of the mail to `to` with this subject, waiting for it (mail leaves after a moment). */
async function mailTo(to: string, subject: string): Promise<string> {
  const maildir = process.env.CONFAB_TEST_MAILDIR;
  assert.ok(maildir, "CONFAB_TEST_MAILDIR is set");
  const folder = path.join(maildir, "new");
  const deadline = Date.now() + 15_000;
  for (;;) {
    const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
    for (const name of names) {
      const { headers, body } = parse(fs.readFileSync(path.join(folder, name), "utf8"));
      if (headers.get("to")?.includes(to) && headers.get("subject") === subject) return body;
    }
    assert.ok(Date.now() < deadline, `no mail "${subject}" to ${to} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The 64-hex-digit code in the mail's link after `#<page>?`, and the link's other parameters. */
function linkIn(mail: string, page: string): URLSearchParams {
  const link = new RegExp(`#${page}\\?(\\S+)`).exec(mail);
  assert.ok(link?.[1], `a #${page} link in:\n${mail}`);
  const query = new URLSearchParams(link[1]);
  assert.match(query.get("token") ?? "", /^[0-9a-f]{64}$/, link[1]);
  return query;
}

/** The link of the mail saying an export is ready: on the server's own address, with a
 * 64-hex-digit `token`. */
function downloadLinkIn(mail: string, baseUrl: string): URL {
  const link = /https?:\/\/\S+\/api\/v1\/user\/export\/download\?\S+/.exec(mail)?.[0];
  assert.ok(link, `a download link in:\n${mail}`);
  const url = new URL(link);
  assert.equal(url.origin, new URL(baseUrl).origin, link);
  assert.match(url.searchParams.get("token") ?? "", /^[0-9a-f]{64}$/, link);
  return url;
}

export async function account({ baseUrl, anonymous, as, register, expectError, tag, taken }: Scenario) {
  const erin = await register("Erin");
  const erinApi = as(erin.token);
  const unverified = await erinApi.GET("/api/v1/user/me");
  assert.equal(unverified.data?.data.email_verified_at, null);

  // Verify the email with the code of the mail registration sent; the code works once.
  const verifyMail = await mailTo(erin.email, "Verify your email address");
  const code = linkIn(verifyMail, "verify-email").get("token") ?? "";
  const verified = await anonymous.POST("/api/v1/user/email/verify", { body: { token: code } });
  assert.equal(verified.response.status, 200, JSON.stringify(verified.error));
  assert.ok(verified.data);
  assert.equal(verified.data.message, "Email verified.");
  const profile: Profile = verified.data.data;
  assert.equal(profile.id, erin.id);
  assert.ok(profile.email_verified_at && !Number.isNaN(Date.parse(profile.email_verified_at)));
  const twice = await anonymous.POST("/api/v1/user/email/verify", { body: { token: code } });
  assert.ok(expectError(twice.error, 422, twice.response.status).errors?.["token"]?.length);
  const resent = await erinApi.POST("/api/v1/user/email/resend");
  assert.equal(resent.response.status, 200);
  assert.deepEqual(resent.data, { status: true, message: "Your email address is already verified." });

  // A new name; someone else's email is refused, naming the field.
  const renamed = await erinApi.PATCH("/api/v1/user/me", { body: { name: `Erin Renamed ${tag}` } });
  assert.equal(renamed.response.status, 200, JSON.stringify(renamed.error));
  assert.equal(renamed.data?.data.name, `Erin Renamed ${tag}`);
  assert.equal(renamed.data?.data.email, erin.email);
  assert.equal(renamed.data?.data.email_verified_at, profile.email_verified_at);
  const clash = await erinApi.PATCH("/api/v1/user/me", { body: { email: taken } });
  assert.deepEqual(expectError(clash.error, 422, clash.response.status).errors?.["email"], [
    "The email has already been taken.",
  ]);

  // Forgot password: the answer is the same whether or not the email has an account. (One
  // client address may ask 5 times a minute, forgot and reset together: this part asks 4 times.)
  const forgot = await anonymous.POST("/api/v1/user/password/forgot", { body: { email: erin.email } });
  const unknown = await anonymous.POST("/api/v1/user/password/forgot", {
    body: { email: `nobody.${tag}@example.com` },
  });
  const expected: StatusMessage = { status: true, message: FORGOT_MESSAGE };
  assert.deepEqual([forgot.response.status, forgot.data], [200, expected]);
  assert.deepEqual([unknown.response.status, unknown.data], [200, expected]);

  // Reset with the code of the mail: a wrong code is refused on `token`; the right one ends
  // every session, and the new password logs in.
  const resetLink = linkIn(await mailTo(erin.email, "Reset your password"), "reset-password");
  assert.equal(resetLink.get("email"), erin.email);
  const resetCode = resetLink.get("token") ?? "";
  const wrong = await anonymous.POST("/api/v1/user/password/reset", {
    body: { email: erin.email, token: "0".repeat(64), password: PASSWORD },
  });
  assert.deepEqual(expectError(wrong.error, 422, wrong.response.status).errors?.["token"], [
    "This password reset token is invalid.",
  ]);
  const reset = await anonymous.POST("/api/v1/user/password/reset", {
    body: { email: erin.email, token: resetCode, password: PASSWORD },
  });
  assert.equal(reset.response.status, 200, JSON.stringify(reset.error));
  assert.deepEqual(reset.data, { status: true, message: "Your password has been reset." });
  const ended = await erinApi.GET("/api/v1/user/me");
  expectError(ended.error, 401, ended.response.status);
  const login = await anonymous.POST("/api/v1/user/login", {
    body: { email: erin.email, password: PASSWORD },
  });
  assert.equal(login.response.status, 200, JSON.stringify(login.error));
  assert.ok(login.data);
  assert.equal(login.data.data.user.id, erin.id);
  assert.equal(login.data.data.user.name, `Erin Renamed ${tag}`);
  const again = as(login.data.data.token);

  // An avatar, uploaded through the generated operation (multipart, as the attachment upload in
  // scenario.ts); its URL opens without a token, at either size, and is gone once removed.
  const set = await again.PUT("/api/v1/user/avatar", {
    body: { file: new File([PNG], "avatar.png", { type: "image/png" }) },
    bodySerializer(body) {
      const form = new FormData();
      form.append("file", body.file);
      return form;
    },
  });
  assert.equal(set.response.status, 200, JSON.stringify(set.error));
  const avatarUrl = set.data?.data.avatar_url;
  assert.ok(avatarUrl, "an avatar_url once set");
  assert.ok(avatarUrl.includes("/api/v1/avatars/"), avatarUrl);
  const picture = new URL(avatarUrl, baseUrl);
  for (const size of [undefined, "64"]) {
    const url = new URL(picture);
    if (size) url.searchParams.set("size", size);
    const opened = await fetch(url);
    assert.equal(opened.status, 200, url.href);
    assert.match(opened.headers.get("content-type") ?? "", /^image\/(jpeg|png)$/);
    assert.ok((await opened.arrayBuffer()).byteLength > 0);
  }
  const removed = await again.DELETE("/api/v1/user/avatar");
  assert.equal(removed.response.status, 200, JSON.stringify(removed.error));
  assert.equal(removed.data?.data.avatar_url, null);
  const gone = await fetch(picture);
  await gone.arrayBuffer();
  assert.equal(gone.status, 404, "a removed picture's URL");

  // A copy of her data: before she asks there is none (404). Asked for, it is queued (202), built
  // in the background until `ready` (its link then works for 24 hours), and mailed as a link that
  // downloads the ZIP without a token; the generated operation downloads it with her token.
  // Another within ten minutes is refused (429).
  const none = await again.GET("/api/v1/user/export");
  const never = expectError(none.error, 404, none.response.status);
  assert.equal(never.message, "No data export was requested.");
  const asked = await again.POST("/api/v1/user/export");
  assert.equal(asked.response.status, 202, JSON.stringify(asked.error));
  assert.ok(asked.data);
  assert.equal(asked.data.message, "Data export requested.");
  const queued: DataExport = asked.data.data;
  assert.deepEqual(
    [queued.state, queued.finished_at, queued.expires_at, queued.size],
    ["queued", null, null, null],
  );
  assert.match(queued.requested_at, RFC3339);
  let exported: DataExport = queued;
  const deadline = Date.now() + 20_000;
  while (exported.state !== "ready") {
    assert.ok(["queued", "building"].includes(exported.state), `an export ${exported.state}`);
    assert.ok(Date.now() < deadline, `the export is still ${exported.state} after 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const polled = await again.GET("/api/v1/user/export");
    assert.equal(polled.response.status, 200, JSON.stringify(polled.error));
    assert.ok(polled.data);
    exported = polled.data.data;
    assert.equal(exported.id, queued.id);
  }
  const { finished_at: finished, expires_at: expires, size } = exported;
  assert.ok(finished !== null && RFC3339.test(finished), `finished_at ${finished}`);
  assert.ok(expires !== null && RFC3339.test(expires), `expires_at ${expires}`);
  assert.equal(Date.parse(expires) - Date.parse(finished), 24 * 3_600_000, "a day after finished_at");
  assert.ok(size !== null && Number.isInteger(size) && size > 0, `size ${size}`);
  const link = downloadLinkIn(await mailTo(erin.email, "Your data export is ready"), baseUrl);
  const viaLink = await fetch(link);
  assert.equal(viaLink.status, 200, link.href);
  assert.equal(viaLink.headers.get("content-type"), "application/zip");
  const archive = new Uint8Array(await viaLink.arrayBuffer());
  assert.equal(archive.byteLength, size);
  const signature = [...archive.subarray(0, 4)];
  assert.deepEqual(signature, [0x50, 0x4b, 0x03, 0x04], "a ZIP starts with PK\\x03\\x04");
  const withToken = await again.GET("/api/v1/user/export/download", { parseAs: "arrayBuffer" });
  assert.equal(withToken.response.status, 200, "downloadDataExport with her token");
  assert.ok(withToken.data);
  assert.deepEqual(new Uint8Array(withToken.data), archive, "downloadDataExport with her token");
  const soon = await again.POST("/api/v1/user/export");
  expectError(soon.error, 429, soon.response.status);
  assert.ok(Number(soon.response.headers.get("retry-after")) > 0, "a 429 says when to retry");

  // Deleting the account asks for the password (a wrong one is refused on `password`); then
  // the token is refused.
  const mistaken = await again.DELETE("/api/v1/user", { body: { password: "not the password" } });
  assert.deepEqual(expectError(mistaken.error, 422, mistaken.response.status).errors?.["password"], [
    "The password is incorrect.",
  ]);
  const deleted = await again.DELETE("/api/v1/user", { body: { password: PASSWORD } });
  assert.equal(deleted.response.status, 200, JSON.stringify(deleted.error));
  assert.deepEqual(deleted.data, { status: true, message: "Account deleted." });
  const afterwards = await again.GET("/api/v1/user/me");
  expectError(afterwards.error, 401, afterwards.response.status);
}
