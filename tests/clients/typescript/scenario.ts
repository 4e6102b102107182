// The API document's scenario through a client generated from openapi.yaml with openapi-typescript
// and called with openapi-fetch; compiled with `tsc --strict`, so every field read below is read
// through the generated types. Run by the Rust test `clients`, which starts the server and passes
// its address in CONFAB_URL.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";
import { account } from "./account.js";

type Attachment = components["schemas"]["AttachmentDto"];
type Conversation = components["schemas"]["ConversationDto"];
type ErrorBody = components["schemas"]["ErrorBody"];

const baseUrl = process.env.CONFAB_URL;
assert.ok(baseUrl, "CONFAB_URL is set");
const anonymous = createClient<paths>({ baseUrl });
const as = (token: string) =>
  createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
const tag = `ts${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

async function register(name: string) {
  const email = `${name.toLowerCase()}.${tag}@example.com`;
  const { data, response } = await anonymous.POST("/api/v1/user/register", {
    body: { name: `${name} ${tag}`, email, password: "correct horse battery" },
  });
  assert.equal(response.status, 201);
  assert.ok(data);
  assert.equal(data.data.token_type, "Bearer");
  assert.equal(data.data.user.email, email);
  assert.ok(!Number.isNaN(Date.parse(data.data.user.created_at)));
  return { id: data.data.user.id, email, token: data.data.token };
}

function expectError(error: ErrorBody | undefined, status: number, actual: number): ErrorBody {
  assert.equal(actual, status);
  assert.ok(error, `a ${status} has the error body`);
  assert.equal(error.status, false);
  assert.equal(typeof error.message, "string");
  return error;
}

const alice = await register("Alice");
const bob = await register("Bob");
const carol = await register("Carol");
const dave = await register("Dave");

// Log in.
const login = await anonymous.POST("/api/v1/user/login", {
  body: { email: alice.email, password: "correct horse battery" },
});
assert.equal(login.response.status, 200);
assert.ok(login.data);
const api = as(login.data.data.token);
const bobApi = as(bob.token);

// A wrong password is a 401 in the one error shape.
const wrong = await anonymous.POST("/api/v1/user/login", {
  body: { email: alice.email, password: "not the password" },
});
expectError(wrong.error, 401, wrong.response.status);

// Create a group and invite.
const created = await api.POST("/api/v1/conversations", {
  body: { type: "group", name: "Project Alpha", user_ids: [bob.id] },
});
assert.equal(created.response.status, 201);
assert.ok(created.data);
const room: Conversation = created.data.data;
assert.equal(room.type, "group");
assert.equal(room.name, "Project Alpha");
assert.equal(room.is_creator, true);
assert.equal(room.closed_at, null);
assert.equal(room.last_message, null);
const roomId = room.id;
const path = { path: { id: roomId } };

const invited = await api.POST("/api/v1/conversations/{id}/invite", {
  params: path,
  body: { user_ids: [carol.id] },
});
assert.equal(invited.response.status, 200);
assert.deepEqual(
  invited.data?.data.participants.map((p) => p.id),
  [alice.id, bob.id, carol.id],
);

// Send.
for (const body of ["one", "two", "three"]) {
  const sent = await api.POST("/api/v1/conversations/{id}/messages", { params: path, body: { body } });
  assert.equal(sent.response.status, 201);
  assert.equal(sent.data?.data.body, body);
  assert.equal(sent.data?.data.user.id, alice.id);
}
const fromBob = await bobApi.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "four" },
});
assert.equal(fromBob.response.status, 201);

// List with pagination: pages, then a cursor.
const page = await api.GET("/api/v1/conversations/{id}/messages", {
  params: { path: { id: roomId }, query: { page: 1, per_page: 3 } },
});
assert.equal(page.response.status, 200);
assert.ok(page.data);
assert.deepEqual(page.data.data.map((m) => m.body), ["four", "three", "two"]);
const meta = page.data.meta;
assert.ok("total" in meta, "page reads answer the page summary");
assert.equal(meta.total, 4);
assert.equal(meta.last_page, 2);
const oldest = page.data.data[2];
assert.ok(oldest);
const older = await api.GET("/api/v1/conversations/{id}/messages", {
  params: { path: { id: roomId }, query: { before: oldest.id, limit: 10 } },
});
assert.deepEqual(older.data?.data.map((m) => m.body), ["one"]);
const cursor = older.data?.meta;
assert.ok(cursor && "has_more" in cursor);
assert.equal(cursor.has_more, false);

// Conversations with unread counts; mark read.
const unread = async (client: ReturnType<typeof as>) => {
  const { data, response } = await client.GET("/api/v1/conversations");
  assert.equal(response.status, 200);
  const mine = data?.data.find((c) => c.id === roomId);
  assert.ok(mine);
  return mine;
};
// Your own message reads the room; an invited member has the whole history unread.
assert.equal((await unread(bobApi)).unread_count, 0);
const carolApi = as(carol.token);
const carolsView = await unread(carolApi);
assert.equal(carolsView.unread_count, 4);
assert.equal(carolsView.last_message?.body, "four");
assert.ok(carolsView.last_message && !Number.isNaN(Date.parse(carolsView.last_message.created_at)));
const read = await carolApi.POST("/api/v1/conversations/{id}/read", { params: path });
assert.equal(read.response.status, 200);
assert.equal(read.data?.status, true);
assert.equal((await unread(carolApi)).unread_count, 0);
const typing = await carolApi.POST("/api/v1/conversations/{id}/typing", { params: path, body: {} });
assert.equal(typing.response.status, 204, "signalTyping");

// Carol hears only mentions in the room; Alice names her; her list and her feed say so.
const quiet = await carolApi.PUT("/api/v1/conversations/{id}/notifications", {
  params: path,
  body: { level: "mentions", muted_until: null },
});
assert.equal(quiet.response.status, 200);
assert.deepEqual(quiet.data?.data, { level: "mentions", muted_until: null });
const named = await api.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "@Carol, a look?", mentions: [carol.id] },
});
assert.equal(named.response.status, 201);
assert.deepEqual(named.data?.data.mentions.map((u) => u.id), [carol.id]);
const carolsMentions = await unread(carolApi);
assert.equal(carolsMentions.unread_mentions, 1);
assert.equal(carolsMentions.notifications.level, "mentions");
const feed = await carolApi.GET("/api/v1/user/mentions", { params: { query: { limit: 5 } } });
assert.deepEqual(feed.data?.data.map((m) => m.id), [named.data?.data.id]);
assert.equal(feed.data?.meta.has_more, false);
await carolApi.POST("/api/v1/conversations/{id}/read", { params: path });

// A thread under Alice's message: Bob replies; Alice (its author) follows, reads, unfollows.
const rootId = named.data?.data.id ?? 0;
const inThread = await bobApi.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "On it", thread_id: rootId },
});
assert.equal(inThread.response.status, 201);
assert.equal(inThread.data?.data.thread_id, rootId);
const threadPath = { params: { path: { id: roomId, messageId: rootId } } };
const thread = await api.GET("/api/v1/conversations/{id}/messages/{messageId}/thread", threadPath);
assert.equal(thread.response.status, 200);
assert.equal(thread.data?.root.thread?.reply_count, 1);
assert.deepEqual(thread.data?.data.map((m) => m.id), [inThread.data?.data.id]);
const threads = await api.GET("/api/v1/user/threads");
assert.equal(threads.data?.data[0]?.unread_count, 1);
await api.POST("/api/v1/conversations/{id}/messages/{messageId}/thread/read", threadPath);
await api.DELETE("/api/v1/conversations/{id}/messages/{messageId}/thread/follow", threadPath);
assert.deepEqual((await api.GET("/api/v1/user/threads")).data?.data, []);
await bobApi.POST("/api/v1/conversations/{id}/read", { params: path });

// The message features: a keyed send repeated (201, then 200 with the same message), a reply,
// an edit, a reaction, search, a deletion, and read receipts in the conversation's detail.
const keyed = { body: "keyed", client_id: "ts-retry-1" };
const first = await api.POST("/api/v1/conversations/{id}/messages", { params: path, body: keyed });
const again = await api.POST("/api/v1/conversations/{id}/messages", { params: path, body: keyed });
assert.deepEqual([first.response.status, again.response.status], [201, 200]);
const keyedId = first.data?.data.id;
assert.ok(keyedId !== undefined && again.data?.data.id === keyedId);
const reply = await bobApi.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "a reply", reply_to: keyedId },
});
assert.equal(reply.data?.data.reply_to?.id, keyedId);
const message = { params: { path: { id: roomId, messageId: keyedId } } };
const edited = await api.PATCH("/api/v1/conversations/{id}/messages/{messageId}", {
  ...message,
  body: { body: "keyed and edited" },
});
assert.equal(edited.response.status, 200);
assert.ok(typeof edited.data?.data.edited_at === "string");
const reacted = await bobApi.PUT("/api/v1/conversations/{id}/messages/{messageId}/reactions/{emoji}", {
  params: { path: { id: roomId, messageId: keyedId, emoji: "👍" } },
});
assert.deepEqual(reacted.data?.data.reactions, [{ emoji: "👍", count: 1, me: true }]);
const searched = await api.GET("/api/v1/messages/search", { params: { query: { q: "edited" } } });
assert.deepEqual(searched.data?.data.map((m) => m.id), [keyedId]);
const deleted = await api.DELETE("/api/v1/conversations/{id}/messages/{messageId}", message);
assert.equal(deleted.data?.message, "Message deleted.");
const detail = await bobApi.GET("/api/v1/conversations/{id}", { params: path });
const bobs = detail.data?.data.participants.find((p) => p.id === bob.id);
assert.equal(bobs?.last_read_message_id, reply.data?.data.id, "Bob's own reply is read");

// Running the room: Bob, made an admin, pins his reply, describes the room and times Carol out
// (her send is a 422 naming `until`) and back; Carol reports Bob's message and Alice dismisses
// it; the audit log lists each act; Alice blocks Dave and unblocks him.
const bobIn = { params: { path: { id: roomId, userId: bob.id } } };
const carolIn = { params: { path: { id: roomId, userId: carol.id } } };
const promoted = await api.PUT("/api/v1/conversations/{id}/participants/{userId}/role", { ...bobIn, body: { role: "admin" } });
assert.equal(promoted.data?.data.participants.find((p) => p.id === bob.id)?.role, "admin");
const replyId = reply.data?.data.id ?? 0;
const pinned = await bobApi.PUT("/api/v1/conversations/{id}/messages/{messageId}/pin", { params: { path: { id: roomId, messageId: replyId } } });
assert.equal(pinned.data?.data.pinned_by, bob.id);
assert.deepEqual((await carolApi.GET("/api/v1/conversations/{id}/pins", { params: path })).data?.data.map((m) => m.id), [replyId]);
const described = await bobApi.PATCH("/api/v1/conversations/{id}", { params: path, body: { description: "Planning" } });
assert.equal(described.data?.data.description, "Planning");
assert.equal(described.data?.data.my_role, "admin");
const until = new Date(Date.now() + 3_600_000).toISOString();
const timedOut = await bobApi.PUT("/api/v1/conversations/{id}/participants/{userId}/timeout", { ...carolIn, body: { until } });
assert.ok(timedOut.data?.data.participants.find((p) => p.id === carol.id)?.timed_out_until);
const muted = await carolApi.POST("/api/v1/conversations/{id}/messages", { params: path, body: { body: "hi" } });
assert.ok(expectError(muted.error, 422, muted.response.status).errors?.until);
await bobApi.DELETE("/api/v1/conversations/{id}/participants/{userId}/timeout", carolIn);
const reportPath = { params: { path: { id: roomId, messageId: fromBob.data?.data.id ?? 0 } } };
const report = await carolApi.POST("/api/v1/conversations/{id}/messages/{messageId}/report", { ...reportPath, body: { reason: "spam" } });
assert.equal(report.response.status, 201);
assert.equal(report.data?.data.status, "open");
const reportId = { params: { path: { id: roomId, reportId: report.data?.data.id ?? 0 } } };
const dismissed = await api.POST("/api/v1/conversations/{id}/reports/{reportId}/resolve", { ...reportId, body: { action: "dismissed" } });
assert.equal(dismissed.data?.data.resolution, "dismissed");
const audit = await api.GET("/api/v1/conversations/{id}/audit", { params: { path: { id: roomId }, query: { limit: 10 } } });
assert.deepEqual(audit.data?.data.map((entry) => entry.action), [
  "report_resolved", "timeout_lifted", "timed_out", "settings_changed", "message_pinned", "role_changed",
]);
await api.PUT("/api/v1/user/blocks/{userId}", { params: { path: { userId: dave.id } } });
assert.deepEqual((await api.GET("/api/v1/user/blocks")).data?.data.map((b) => b.id), [dave.id]);
await api.DELETE("/api/v1/user/blocks/{userId}", { params: { path: { userId: dave.id } } });

// A file: uploaded through the generated operation (multipart: openapi-fetch's bodySerializer
// builds the FormData; the part is typed `Blob`), sent with `attachment_ids` and an empty body,
// found in the send response, the message list and the room's last message, and downloaded back
// with the token and through its signed `url` without one.
const fileBytes = new Uint8Array([
  ...new TextEncoder().encode("%PDF-1.7\n"),
  ...Array.from({ length: 300 }, (_, i) => (i * 7) % 251),
]);
const uploaded = await api.POST("/api/v1/conversations/{id}/attachments", {
  params: path,
  body: { file: new File([fileBytes], "report.pdf", { type: "text/plain" }) },
  bodySerializer(body) {
    const form = new FormData();
    form.append("file", body.file);
    return form;
  },
});
assert.equal(uploaded.response.status, 201, JSON.stringify(uploaded.error));
assert.ok(uploaded.data);
assert.equal(uploaded.data.message, "Attachment uploaded.");
const file: Attachment = uploaded.data.data;
assert.equal(file.name, "report.pdf");
assert.equal(file.content_type, "application/pdf", "read from the bytes, not the client's type");
assert.equal(file.size, fileBytes.length);
assert.equal(file.sha256, createHash("sha256").update(fileBytes).digest("hex"));
assert.deepEqual([file.width, file.height, file.thumbnail_url], [null, null, null]);
assert.equal(file.conversation_id, roomId);
assert.equal(file.user_id, alice.id);
const withFile = await api.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "", attachment_ids: [file.id] },
});
assert.equal(withFile.response.status, 201, JSON.stringify(withFile.error));
const sameFile = (found: Attachment[] | undefined, where: string) => {
  assert.equal(found?.length, 1, where);
  const [one] = found;
  assert.ok(one, where);
  const { url: _url, thumbnail_url: _thumbnail, ...rest } = one;
  const { url: _u, thumbnail_url: _t, ...expected } = file;
  assert.deepEqual(rest, expected, where);
  return one;
};
sameFile(withFile.data?.data.attachments, "the send response");
const newest = await api.GET("/api/v1/conversations/{id}/messages", {
  params: { path: { id: roomId }, query: { page: 1, per_page: 1 } },
});
assert.equal(newest.data?.data[0]?.id, withFile.data?.data.id);
const listed = sameFile(newest.data?.data[0]?.attachments, "the message list");
sameFile((await unread(bobApi)).last_message?.attachments, "the room's last message");
const withToken = await bobApi.GET("/api/v1/attachments/{id}", {
  params: { path: { id: file.id } },
  parseAs: "arrayBuffer",
});
assert.equal(withToken.response.status, 200);
assert.ok(withToken.data);
assert.deepEqual(new Uint8Array(withToken.data), fileBytes, "downloadAttachment with a token");
const signed = new URL(listed.url, baseUrl);
assert.equal(signed.pathname, `/api/v1/attachments/${file.id}`);
const expires = Number(signed.searchParams.get("expires"));
const signature = signed.searchParams.get("signature");
assert.ok(expires > Date.now() / 1000 && signature, listed.url);
const viaLink = await anonymous.GET("/api/v1/attachments/{id}", {
  params: { path: { id: file.id }, query: { expires, signature } },
  parseAs: "arrayBuffer",
});
assert.equal(viaLink.response.status, 200);
assert.ok(viaLink.data);
assert.deepEqual(new Uint8Array(viaLink.data), fileBytes, "downloadAttachment with the url's signature");
const unsigned = await anonymous.GET("/api/v1/attachments/{id}", {
  params: { path: { id: file.id } },
  parseAs: "arrayBuffer",
});
expectError(unsigned.error, 401, unsigned.response.status);

// Close; sending to the closed room is the document's 422, without field errors.
const closed = await api.POST("/api/v1/conversations/{id}/close", { params: path });
assert.equal(closed.response.status, 200);
assert.equal(closed.data?.data.is_closed, true);
assert.ok(typeof closed.data?.data.closed_at === "string");
const refused = await bobApi.POST("/api/v1/conversations/{id}/messages", {
  params: path,
  body: { body: "anyone?" },
});
const closedError = expectError(refused.error, 422, refused.response.status);
assert.equal(closedError.errors, undefined);

// A field error names the field.
const blank = await api.POST("/api/v1/conversations", { body: { type: "group", user_ids: [alice.id, alice.id] } });
const fieldError = expectError(blank.error, 422, blank.response.status);
assert.ok(fieldError.errors?.["user_ids"]?.length);

// Ban, remove, leave (in a second, open room).
const second = await api.POST("/api/v1/conversations", {
  body: { type: "group", name: "Project Beta", user_ids: [bob.id, carol.id, dave.id] },
});
assert.ok(second.data);
const secondPath = { path: { id: second.data.data.id } };
const banned = await api.POST("/api/v1/conversations/{id}/ban/{userId}", {
  params: { path: { id: second.data.data.id, userId: carol.id } },
});
assert.equal(banned.response.status, 200);
assert.ok(!banned.data?.data.participants.some((p) => p.id === carol.id));
const removed = await api.DELETE("/api/v1/conversations/{id}/participants/{userId}", {
  params: { path: { id: second.data.data.id, userId: dave.id } },
});
assert.equal(removed.response.status, 200);
assert.ok(!removed.data?.data.participants.some((p) => p.id === dave.id));
const left = await bobApi.POST("/api/v1/conversations/{id}/leave", { params: secondPath });
assert.equal(left.response.status, 200);
assert.equal(left.data?.status, true);
const gone = await bobApi.GET("/api/v1/conversations/{id}", { params: secondPath });
expectError(gone.error, 404, gone.response.status);

// User search; me.
const found = await api.GET("/api/v1/users", { params: { query: { search: tag, per_page: 10 } } });
assert.equal(found.response.status, 200);
assert.deepEqual(found.data?.data.map((u) => u.id).sort((a, b) => a - b), [bob.id, carol.id, dave.id]);
assert.equal(found.data?.meta.total, 3);
const me = await api.GET("/api/v1/user/me");
assert.equal(me.response.status, 200);
assert.equal(me.data?.data.id, alice.id);
assert.equal(me.data?.data.email, alice.email);

// Without a token: 401 in the error shape.
const anonymousMe = await anonymous.GET("/api/v1/user/me");
expectError(anonymousMe.error, 401, anonymousMe.response.status);

// Sessions: a refresh answers in the login shape and retires the token it was asked with;
// logging out ends the new one.
const refreshed = await bobApi.POST("/api/v1/user/refresh");
assert.equal(refreshed.response.status, 200);
assert.equal(refreshed.data?.data.user.id, bob.id);
const retired = await bobApi.GET("/api/v1/user/me");
expectError(retired.error, 401, retired.response.status);
const renewed = as(refreshed.data!.data.token);
const loggedOut = await renewed.POST("/api/v1/user/logout");
assert.equal(loggedOut.response.status, 200);
assert.equal(loggedOut.data?.message, "Logged out.");
const ended = await renewed.GET("/api/v1/user/me");
expectError(ended.error, 401, ended.response.status);

// Account: verify an email, rename, reset a password, set an avatar, delete the account (account.ts).
await account({ baseUrl, anonymous, as, register, expectError, tag, taken: alice.email });

console.log("typescript scenario: ok");
