"""The API document's scenario through a client generated from openapi.yaml by
openapi-python-client (imported from ./generated, no edits). Run by the Rust test `clients`,
which starts the server and passes its address in CONFAB_URL. Every value is read through the
generated models; an assertion failure exits non-zero."""

import hashlib
import os
from datetime import datetime, timedelta, timezone
import random
import time
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

from confab_client import AuthenticatedClient, Client
from confab_client.api.attachments import download_attachment, upload_attachment
from confab_client.api.conversations import (
    ban_participant,
    close_room,
    create_conversation,
    get_conversation,
    invite_users,
    leave_conversation,
    list_conversations,
    mark_read,
    remove_participant,
    set_notifications,
    signal_typing,
    update_conversation,
)
from confab_client.api.moderation import (
    change_role,
    lift_timeout,
    list_pins,
    pin_message,
    read_audit_log,
    report_message,
    resolve_report,
    time_out_participant,
)
from confab_client.api.messages import (
    add_reaction,
    delete_message,
    edit_message,
    get_thread,
    list_mentions,
    list_messages,
    list_threads,
    mark_thread_read,
    search_messages,
    send_message,
    unfollow_thread,
)
from confab_client.api.users import (
    block_user,
    current_user,
    login,
    logout,
    refresh_token,
    register,
    list_blocks,
    search_users,
    unblock_user,
)
from confab_client.models import (
    ConversationType,
    CreateConversationBody,
    CursorMeta,
    EditMessageBody,
    ErrorBody,
    InviteBody,
    LoginBody,
    NotificationSettingsBody,
    NotificationSettingsBodyLevel,
    PageMeta,
    RegisterBody,
    ReportBody,
    ReportBodyReason,
    ResolveBody,
    ResolveBodyAction,
    RoleBody,
    RoleBodyRole,
    RoleDto,
    SendMessageBody,
    TimeoutBody,
    TypingBody,
    UpdateConversationBody,
    UploadAttachmentBody,
)
from confab_client.types import UNSET, File

import account

BASE = os.environ["CONFAB_URL"]
PASSWORD = "correct horse battery"
TAG = f"py{int(time.time())}{random.randrange(10**6)}"
anonymous = Client(base_url=BASE, raise_on_unexpected_status=True)


def authorized(token):
    return AuthenticatedClient(base_url=BASE, token=token, raise_on_unexpected_status=True)


def ok(response, status):
    assert response.status_code == status, (response.status_code, response.content)
    assert not isinstance(response.parsed, ErrorBody), response.parsed
    return response.parsed


def refused(response, status):
    assert response.status_code == status, (response.status_code, response.content)
    error = response.parsed
    assert isinstance(error, ErrorBody), error
    assert error.status is False and error.message
    return error


def person(name):
    email = f"{name.lower()}.{TAG}@example.com"
    body = RegisterBody(name=f"{name} {TAG}", email=email, password=PASSWORD)
    session = ok(register.sync_detailed(client=anonymous, body=body), 201).data
    assert session.token_type == "Bearer" and session.user.email == email
    assert session.user.created_at.year >= 2024
    return session.user.id, email, authorized(session.token)


alice_id, alice_email, _ = person("Alice")
bob_id, _, bob = person("Bob")
carol_id, _, carol = person("Carol")
dave_id, _, _ = person("Dave")

# Log in; a wrong password is a 401 in the one error shape.
session = ok(login.sync_detailed(client=anonymous, body=LoginBody(email=alice_email, password=PASSWORD)), 200)
alice = authorized(session.data.token)
refused(login.sync_detailed(client=anonymous, body=LoginBody(email=alice_email, password="not it at all")), 401)

# Create a group and invite.
room = ok(
    create_conversation.sync_detailed(
        client=alice,
        body=CreateConversationBody(type_=ConversationType.GROUP, name="Project Alpha", user_ids=[bob_id]),
    ),
    201,
).data
assert room.type_ == ConversationType.GROUP and room.name == "Project Alpha" and room.is_creator
assert room.closed_at is None and room.last_message is None
invited = ok(invite_users.sync_detailed(room.id, client=alice, body=InviteBody(user_ids=[carol_id])), 200).data
assert [p.id for p in invited.participants] == [alice_id, bob_id, carol_id]

# Send.
for text in ["one", "two", "three"]:
    sent = ok(send_message.sync_detailed(room.id, client=alice, body=SendMessageBody(body=text)), 201).data
    assert sent.body == text and sent.user.id == alice_id
ok(send_message.sync_detailed(room.id, client=bob, body=SendMessageBody(body="four")), 201)

# List with pagination: a page, then a cursor.
page = ok(list_messages.sync_detailed(room.id, client=alice, page=1, per_page=3), 200)
assert [m.body for m in page.data] == ["four", "three", "two"]
assert isinstance(page.meta, PageMeta), page.meta
assert (page.meta.total, page.meta.last_page) == (4, 2)
older = ok(list_messages.sync_detailed(room.id, client=alice, before=page.data[2].id, limit=10), 200)
assert [m.body for m in older.data] == ["one"]
assert isinstance(older.meta, CursorMeta) and older.meta.has_more is False


# Conversations with unread counts (your own message reads the room; an invited member has the
# whole history unread); mark read.
def view(client):
    rooms = ok(list_conversations.sync_detailed(client=client), 200).data
    return next(c for c in rooms if c.id == room.id)


assert view(bob).unread_count == 0
carols = view(carol)
assert carols.unread_count == 4
assert carols.last_message is not None and carols.last_message.body == "four"
assert ok(mark_read.sync_detailed(room.id, client=carol), 200).status is True
assert view(carol).unread_count == 0
typing = signal_typing.sync_detailed(room.id, client=carol, body=TypingBody())
assert typing.status_code == 204, (typing.status_code, typing.content)

# Carol hears only mentions in the room; Alice names her; her list and her feed say so.
quiet = NotificationSettingsBody(level=NotificationSettingsBodyLevel.MENTIONS, muted_until=None)
settings = ok(set_notifications.sync_detailed(room.id, client=carol, body=quiet), 200).data
assert settings.level.value == "mentions" and settings.muted_until is None, settings
naming = SendMessageBody(body="@Carol, a look?", mentions=[carol_id])
named = ok(send_message.sync_detailed(room.id, client=alice, body=naming), 201).data
assert [u.id for u in named.mentions] == [carol_id] and named.mention_room is False
carols = view(carol)
assert (carols.unread_count, carols.unread_mentions) == (1, 1)
assert carols.notifications.level.value == "mentions"
feed = ok(list_mentions.sync_detailed(client=carol), 200)
assert [m.id for m in feed.data] == [named.id] and feed.meta.has_more is False
assert ok(mark_read.sync_detailed(room.id, client=carol), 200).status is True

# A thread under Alice's message: Bob replies; Alice (its author) follows, reads, unfollows.
in_thread = ok(send_message.sync_detailed(room.id, client=bob, body=SendMessageBody(body="On it", thread_id=named.id)), 201).data
assert in_thread.thread_id == named.id
thread = ok(get_thread.sync_detailed(room.id, named.id, client=alice), 200)
assert thread.root.thread.reply_count == 1 and [m.id for m in thread.data] == [in_thread.id]
assert ok(list_threads.sync_detailed(client=alice), 200).data[0].unread_count == 1
assert ok(mark_thread_read.sync_detailed(room.id, named.id, client=alice), 200).status is True
assert ok(unfollow_thread.sync_detailed(room.id, named.id, client=alice), 200).status is True
assert ok(list_threads.sync_detailed(client=alice), 200).data == []
assert ok(mark_read.sync_detailed(room.id, client=bob), 200).status is True

# The message features: a keyed send repeated (201, then 200 with the same message), a reply, an
# edit, a reaction, search, a deletion, and read receipts in the conversation's detail.
keyed = SendMessageBody(body="keyed", client_id="py-retry-1")
first = ok(send_message.sync_detailed(room.id, client=alice, body=keyed), 201).data
assert ok(send_message.sync_detailed(room.id, client=alice, body=keyed), 200).data.id == first.id
answer = SendMessageBody(body="a reply", reply_to=first.id)
reply = ok(send_message.sync_detailed(room.id, client=bob, body=answer), 201).data
assert reply.reply_to is not None and reply.reply_to.id == first.id
edit = EditMessageBody(body="keyed and edited")
edited = ok(edit_message.sync_detailed(room.id, first.id, client=alice, body=edit), 200).data
assert edited.edited_at is not None and edited.body == "keyed and edited"
reacted = ok(add_reaction.sync_detailed(room.id, first.id, "👍", client=bob), 200).data
assert [(r.emoji, r.count, r.me) for r in reacted.reactions] == [("👍", 1, True)]
found = ok(search_messages.sync_detailed(client=alice, q="edited"), 200).data
assert [m.id for m in found] == [first.id]
assert ok(delete_message.sync_detailed(room.id, first.id, client=alice), 200).message == "Message deleted."
detail = ok(get_conversation.sync_detailed(room.id, client=bob), 200).data
assert next(p for p in detail.participants if p.id == bob_id).last_read_message_id == reply.id

# Running the room: Bob, made an admin, pins his reply, describes the room and times Carol out
# (her send is a 422 naming `until`) and back; Carol reports Bob's message and Alice dismisses it;
# the audit log lists each act; Alice blocks Dave and unblocks him.
promoted = ok(change_role.sync_detailed(room.id, bob_id, client=alice, body=RoleBody(role=RoleBodyRole.ADMIN)), 200)
assert next(p for p in promoted.data.participants if p.id == bob_id).role == RoleDto.ADMIN
assert ok(pin_message.sync_detailed(room.id, reply.id, client=bob), 200).data.pinned_by == bob_id
assert [m.id for m in ok(list_pins.sync_detailed(room.id, client=carol), 200).data] == [reply.id]
described = ok(update_conversation.sync_detailed(room.id, client=bob, body=UpdateConversationBody(description="Planning")), 200)
assert described.data.description == "Planning" and described.data.my_role == RoleDto.ADMIN
until = datetime.now(timezone.utc) + timedelta(hours=1)
timed_out = ok(time_out_participant.sync_detailed(room.id, carol_id, client=bob, body=TimeoutBody(until=until)), 200)
assert next(p for p in timed_out.data.participants if p.id == carol_id).timed_out_until is not None
muted = refused(send_message.sync_detailed(room.id, client=carol, body=SendMessageBody(body="hi")), 422)
assert "until" in muted.errors.additional_properties
ok(lift_timeout.sync_detailed(room.id, carol_id, client=bob), 200)
four = page.data[0]
report = ok(report_message.sync_detailed(room.id, four.id, client=carol, body=ReportBody(reason=ReportBodyReason.SPAM)), 201)
dismissed = ok(
    resolve_report.sync_detailed(room.id, report.data.id, client=alice, body=ResolveBody(action=ResolveBodyAction.DISMISSED)),
    200,
)
assert dismissed.data.resolution == "dismissed" and dismissed.data.status == "resolved"
audit = ok(read_audit_log.sync_detailed(room.id, client=alice, limit=10), 200)
assert [str(entry.action) for entry in audit.data] == [
    "report_resolved", "timeout_lifted", "timed_out", "settings_changed", "message_pinned", "role_changed",
], [entry.action for entry in audit.data]
ok(block_user.sync_detailed(dave_id, client=alice), 200)
assert [b.id for b in ok(list_blocks.sync_detailed(client=alice), 200).data] == [dave_id]
ok(unblock_user.sync_detailed(dave_id, client=alice), 200)

# A file: uploaded through the generated operation (its multipart body holds the generated `File`),
# sent with `attachment_ids` and an empty body, found in the send response, the message list and
# the room's last message, and downloaded back with a token and through its signed `url` without.
content = "Minutes of the meeting: héllo, wörld 👋\n".encode()
# The client's type is not believed: the server reads it from the bytes.
part = File(payload=BytesIO(content), file_name="minutes.txt", mime_type="application/pdf")
uploaded = ok(upload_attachment.sync_detailed(room.id, client=alice, body=UploadAttachmentBody(file=part)), 201)
assert uploaded.message == "Attachment uploaded."
file = uploaded.data
assert (file.name, file.content_type, file.size) == ("minutes.txt", "text/plain", len(content)), file
assert file.sha256 == hashlib.sha256(content).hexdigest()
assert (file.width, file.height, file.thumbnail_url) == (None, None, None)
assert (file.conversation_id, file.user_id) == (room.id, alice_id)
with_file = SendMessageBody(body="", attachment_ids=[file.id])
sent = ok(send_message.sync_detailed(room.id, client=alice, body=with_file), 201).data


def same_file(found, where):
    assert len(found) == 1, (where, found)
    fields = ("id", "conversation_id", "user_id", "name", "content_type", "size", "sha256", "created_at")
    assert [getattr(found[0], f) for f in fields] == [getattr(file, f) for f in fields], (where, found)
    return found[0]


same_file(sent.attachments, "the send response")
newest = ok(list_messages.sync_detailed(room.id, client=alice, page=1, per_page=1), 200).data[0]
assert newest.id == sent.id and newest.body == ""
listed = same_file(newest.attachments, "the message list")
same_file(view(bob).last_message.attachments, "the room's last message")
downloaded = ok(download_attachment.sync_detailed(file.id, client=bob), 200)
assert isinstance(downloaded, File) and downloaded.payload.read() == content
link = urlsplit(listed.url)
assert link.path == f"/api/v1/attachments/{file.id}", listed.url
query = parse_qs(link.query)
signed = download_attachment.sync_detailed(
    file.id, client=anonymous, expires=int(query["expires"][0]), signature=query["signature"][0]
)
assert ok(signed, 200).payload.read() == content
refused(download_attachment.sync_detailed(file.id, client=anonymous), 401)

# Close; sending to the closed room is the document's 422, without field errors.
closed = ok(close_room.sync_detailed(room.id, client=alice), 200).data
assert closed.is_closed and closed.closed_at is not None
error = refused(send_message.sync_detailed(room.id, client=bob, body=SendMessageBody(body="anyone?")), 422)
assert error.errors is UNSET
# A field error names the field.
twice = CreateConversationBody(type_=ConversationType.GROUP, user_ids=[bob_id, bob_id])
error = refused(create_conversation.sync_detailed(client=alice, body=twice), 422)
assert "user_ids" in error.errors.additional_properties, error

# Ban, remove, leave, in a second, open room.
second = ok(
    create_conversation.sync_detailed(
        client=alice,
        body=CreateConversationBody(
            type_=ConversationType.GROUP, name="Project Beta", user_ids=[bob_id, carol_id, dave_id]
        ),
    ),
    201,
).data
after_ban = ok(ban_participant.sync_detailed(second.id, carol_id, client=alice), 200).data
assert carol_id not in [p.id for p in after_ban.participants]
after_remove = ok(remove_participant.sync_detailed(second.id, dave_id, client=alice), 200).data
assert dave_id not in [p.id for p in after_remove.participants]
assert ok(leave_conversation.sync_detailed(second.id, client=bob), 200).status is True
refused(get_conversation.sync_detailed(second.id, client=bob), 404)

# User search; me.
found = ok(search_users.sync_detailed(client=alice, search=TAG, per_page=10), 200)
assert sorted(u.id for u in found.data) == sorted([bob_id, carol_id, dave_id])
assert found.meta.total == 3
me = ok(current_user.sync_detailed(client=alice), 200).data
assert (me.id, me.email) == (alice_id, alice_email)
refused(current_user.sync_detailed(client=authorized("not-a-token")), 401)

# Sessions: a refresh answers in the login shape and retires the token it was asked with;
# logging out ends the new one.
refreshed = ok(refresh_token.sync_detailed(client=bob), 200).data
assert refreshed.user.id == bob_id
refused(current_user.sync_detailed(client=bob), 401)
renewed = authorized(refreshed.token)
assert ok(logout.sync_detailed(client=renewed), 200).message == "Logged out."
refused(current_user.sync_detailed(client=renewed), 401)

# Account: verify an email, rename, reset a password, set an avatar, delete the account (account.py).
account.run(
    anonymous=anonymous, authorized=authorized, person=person, ok=ok, refused=refused, tag=TAG, taken=alice_email
)

print("python scenario: ok")
