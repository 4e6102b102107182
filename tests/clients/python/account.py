"""The account part of the scenario (scenario.py runs it last): a fresh user, Erin, verifies her
email with the code of the mail registration sent, changes her name (not to someone else's
email), forgets her password and resets it with the code of the reset mail; logged in again, she
sets an avatar (its URL opens without a token), removes it, asks for a copy of her data (built in
the background, then mailed as a link that downloads the ZIP without a token), and deletes her
account. The mails are read from the Maildir of the test's SMTP server, passed in
CONFAB_TEST_MAILDIR. Every value is read through the generated models."""

import base64
import json
import os
import re
import time
import zipfile
from datetime import datetime, timedelta
from email import message_from_binary_file, policy
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from confab_client.api.users import (
    current_user,
    delete_account,
    download_data_export,
    forgot_password,
    get_data_export,
    login,
    remove_avatar,
    request_data_export,
    resend_verification,
    reset_password,
    set_avatar,
    update_profile,
    verify_email,
)
from confab_client.models import (
    DataExportState,
    DeleteAccountBody,
    ForgotPasswordBody,
    LoginBody,
    ResetPasswordBody,
    SetAvatarBody,
    StatusMessage,
    UpdateProfileBody,
    VerifyEmailBody,
)
from confab_client.types import File

NEW_PASSWORD = "a brand new passphrase"
FORGOT = StatusMessage(
    status=True, message="If an account with that email exists, we have sent it a password reset link."
)
# A valid 2×2 RGB PNG: the avatar Erin uploads.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFElEQVR42mP4z8DAAMIM////ZwAAHu8E/HMcU8wAAAAASUVORK5CYII="
)


def mail_to(to, subject):
    """The body of the mail to `to` with this subject (quoted-printable undone), waiting for it:
    mail leaves the server a moment after the request."""
    folder = Path(os.environ["CONFAB_TEST_MAILDIR"]) / "new"
    deadline = time.monotonic() + 15
    while True:
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            with path.open("rb") as raw:
                mail = message_from_binary_file(raw, policy=policy.default)
            if to in str(mail["To"]) and str(mail["Subject"]) == subject:
                return mail.get_body(("plain",)).get_content()
        assert time.monotonic() < deadline, f"no mail {subject!r} to {to} within 15 s"
        time.sleep(0.2)


def link_in(mail, page):
    """The parameters of the mail's `#<page>?…` link; its `token` is 64 hex digits."""
    link = re.search(rf"#{page}\?(\S+)", mail)
    assert link, (page, mail)
    query = {key: values[0] for key, values in parse_qs(link[1]).items()}
    assert re.fullmatch(r"[0-9a-f]{64}", query.get("token", "")), link[1]
    return query


def download_link_in(mail, base_url):
    """The link of the mail saying an export is ready: on the server's own address (`base_url`),
    with a `token` of 64 hex digits."""
    link = re.search(r"https?://\S+/api/v1/user/export/download\?\S+", mail)
    assert link and link[0].startswith(base_url.rstrip("/") + "/"), (base_url, mail)
    query = {key: values[0] for key, values in parse_qs(urlsplit(link[0]).query).items()}
    assert re.fullmatch(r"[0-9a-f]{64}", query.get("token", "")), link[0]
    return link[0]


def run(*, anonymous, authorized, person, ok, refused, tag, taken):
    """`person(name)` registers someone (id, email, client); `authorized(token)` is a client with that
    token; `taken` is another account's email."""
    erin_id, erin_email, erin = person("Erin")
    assert ok(current_user.sync_detailed(client=erin), 200).data.email_verified_at is None

    # Verify the email with the code of the mail registration sent; the code works once.
    code = link_in(mail_to(erin_email, "Verify your email address"), "verify-email")["token"]
    verified = ok(verify_email.sync_detailed(client=anonymous, body=VerifyEmailBody(token=code)), 200)
    assert verified.message == "Email verified." and verified.data.id == erin_id
    verified_at = verified.data.email_verified_at
    assert verified_at is not None and verified_at.year >= 2024, verified_at
    again = refused(verify_email.sync_detailed(client=anonymous, body=VerifyEmailBody(token=code)), 422)
    assert again.errors.additional_properties["token"], again
    resent = ok(resend_verification.sync_detailed(client=erin), 200)
    assert resent == StatusMessage(status=True, message="Your email address is already verified."), resent

    # A new name; someone else's email is refused, naming the field.
    new_name = f"Erin Renamed {tag}"
    renamed = ok(update_profile.sync_detailed(client=erin, body=UpdateProfileBody(name=new_name)), 200).data
    assert (renamed.id, renamed.name, renamed.email) == (erin_id, new_name, erin_email), renamed
    assert renamed.email_verified_at == verified_at
    clash = refused(update_profile.sync_detailed(client=erin, body=UpdateProfileBody(email=taken)), 422)
    assert clash.errors.additional_properties["email"] == ["The email has already been taken."], clash

    # Forgot password: the answer is the same whether or not the email has an account. (One client
    # address may ask 5 times a minute, forgot and reset together: this part asks 4 times.)
    for address in [erin_email, f"nobody.{tag}@example.com"]:
        answer = ok(forgot_password.sync_detailed(client=anonymous, body=ForgotPasswordBody(email=address)), 200)
        assert answer == FORGOT, (address, answer)

    # Reset with the code of the mail: a wrong code is refused on `token`; the right one ends every
    # session, and the new password logs in.
    reset_link = link_in(mail_to(erin_email, "Reset your password"), "reset-password")
    assert reset_link["email"] == erin_email, reset_link
    wrong = ResetPasswordBody(email=erin_email, token="0" * 64, password=NEW_PASSWORD)
    error = refused(reset_password.sync_detailed(client=anonymous, body=wrong), 422)
    assert error.errors.additional_properties["token"] == ["This password reset token is invalid."], error
    right = ResetPasswordBody(email=erin_email, token=reset_link["token"], password=NEW_PASSWORD)
    done = ok(reset_password.sync_detailed(client=anonymous, body=right), 200)
    assert done == StatusMessage(status=True, message="Your password has been reset."), done
    refused(current_user.sync_detailed(client=erin), 401)
    session = ok(login.sync_detailed(client=anonymous, body=LoginBody(email=erin_email, password=NEW_PASSWORD)), 200)
    assert (session.data.user.id, session.data.user.name) == (erin_id, new_name)
    erin = authorized(session.data.token)

    # An avatar, uploaded through the generated operation (its multipart body holds the generated
    # `File`); its URL opens without a token, at either size, and is gone once removed.
    part = File(payload=BytesIO(PNG), file_name="avatar.png", mime_type="image/png")
    avatar_url = ok(set_avatar.sync_detailed(client=erin, body=SetAvatarBody(file=part)), 200).data.avatar_url
    assert avatar_url is not None and "/api/v1/avatars/" in avatar_url, avatar_url
    http = anonymous.get_httpx_client()  # resolves a relative URL against the server's address
    for size in [{}, {"size": 64}]:
        picture = http.get(avatar_url, params=size)
        assert picture.status_code == 200, (avatar_url, size, picture.status_code)
        assert picture.headers["content-type"] in ("image/jpeg", "image/png"), picture.headers
        assert picture.content, (avatar_url, size)
    assert ok(remove_avatar.sync_detailed(client=erin), 200).data.avatar_url is None
    assert http.get(avatar_url).status_code == 404, "a removed picture's URL"

    # A copy of her data: before she asks there is none (404). Asked for, it is queued (202), built in
    # the background until `ready` (its link then works for 24 hours), and mailed as a link that
    # downloads the ZIP, with her profile in it, without a token; the generated operation downloads
    # it with her token. Another within ten minutes is refused (429).
    never = refused(get_data_export.sync_detailed(client=erin), 404)
    assert never.message == "No data export was requested.", never
    asked = ok(request_data_export.sync_detailed(client=erin), 202)
    assert asked.message == "Data export requested.", asked
    queued = asked.data
    assert queued.state == DataExportState.QUEUED and isinstance(queued.requested_at, datetime), queued
    assert (queued.finished_at, queued.expires_at, queued.size) == (None, None, None), queued
    export = queued
    deadline = time.monotonic() + 20
    while export.state != DataExportState.READY:
        assert export.state in (DataExportState.QUEUED, DataExportState.BUILDING), export
        assert time.monotonic() < deadline, f"the export is still {export.state} after 20 s"
        time.sleep(0.25)
        export = ok(get_data_export.sync_detailed(client=erin), 200).data
        assert export.id == queued.id, export
    assert isinstance(export.finished_at, datetime) and isinstance(export.expires_at, datetime), export
    assert export.expires_at - export.finished_at == timedelta(hours=24), export
    assert isinstance(export.size, int) and export.size > 0, export
    link = download_link_in(mail_to(erin_email, "Your data export is ready"), str(http.base_url))
    archive = http.get(link)  # no token: the link is enough
    assert archive.status_code == 200, (link, archive.status_code)
    assert archive.headers["content-type"] == "application/zip", archive.headers
    assert len(archive.content) == export.size and archive.content.startswith(b"PK\x03\x04")
    with zipfile.ZipFile(BytesIO(archive.content)) as zipped:
        profile = json.loads(zipped.read("profile.json"))
    assert (profile["id"], profile["email"]) == (erin_id, erin_email), profile
    mine = ok(download_data_export.sync_detailed(client=erin), 200)
    assert isinstance(mine, File) and mine.payload.read() == archive.content
    soon = request_data_export.sync_detailed(client=erin)
    refused(soon, 429)
    assert int(soon.headers["retry-after"]) > 0, soon.headers

    # Deleting the account asks for the password (a wrong one is refused on `password`); then the
    # token is refused.
    mistaken = DeleteAccountBody(password="not the password")
    error = refused(delete_account.sync_detailed(client=erin, body=mistaken), 422)
    assert error.errors.additional_properties["password"] == ["The password is incorrect."], error
    deleted = ok(delete_account.sync_detailed(client=erin, body=DeleteAccountBody(password=NEW_PASSWORD)), 200)
    assert deleted == StatusMessage(status=True, message="Account deleted."), deleted
    refused(current_user.sync_detailed(client=erin), 401)
