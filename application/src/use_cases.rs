//! One module per use case, named after what the client asks for; each adds one method to
//! [`Confab`](crate::Confab) (or, for webhook delivery, a type of its own). The index, by what
//! a client does — the method is the file's name:
//!
//! | area | operation (`Confab::…`) | file |
//! |---|---|---|
//! | accounts | `register`, `login`, `authenticate`, `logout`, `refresh_session`, `change_password` | `register.rs`, `login.rs`, `authenticate.rs`, `logout.rs`, `refresh_session.rs`, `change_password.rs` |
//! | your account (tokens and mail: `confab_domain::account_tokens`, `confab_domain::mail`) | `update_profile`, `set_avatar` / `remove_avatar` / `avatar_file`, `verify_email` / `resend_verification`, `forgot_password` / `reset_password`, `delete_account` (what stays: `confab_domain::account_deletion`) | `update_profile.rs`, `set_avatar.rs`, `verify_email.rs`, `reset_password.rs`, `delete_account.rs` |
//! | people | `search_users` | `search_users.rs` |
//! | rooms | `create_conversation`, `get_conversation`, `list_conversations` | `create_conversation.rs`, `get_conversation.rs`, `list_conversations.rs` |
//! | being alerted (who, decided by `confab_domain::notification`) | `set_notifications`, `list_mentions` | `set_notifications.rs`, `list_mentions.rs` |
//! | threads (rules in `confab_domain::thread`; a reply is a send with `thread_id`) | `list_thread`, `follow_thread` / `mark_thread_read`, `list_threads` | `list_thread.rs`, `follow_thread.rs`, `list_threads.rs` |
//! | room changes (events decided by `confab_domain::change_events`, see `room_changes.rs`) | `invite_users`, `remove_participant`, `ban_participant`, `leave_conversation`, `close_room` | `invite_users.rs`, `remove_participant.rs`, `ban_participant.rs`, `leave_conversation.rs`, `close_room.rs` |
//! | running a room (who may: `confab_domain::roles`) | `change_role`, `transfer_ownership`, `update_conversation`, `time_out_participant`, `unban_participant` / `list_bans`, `pin_message` / `list_pins`, `report_message` / `list_reports` / `resolve_report`, `read_audit_log` | `change_role.rs`, `transfer_ownership.rs`, `update_conversation.rs`, `time_out_participant.rs`, `unban_participant.rs`, `list_bans.rs`, `pin_message.rs`, `report_message.rs`, `read_audit_log.rs` |
//! | people you block (rules in `confab_domain::blocks`) | `block_user` / `unblock_user` / `list_blocks` | `block_user.rs` |
//! | messages | `send_message`, `list_messages`, `search_messages`, `mark_read` | `send_message.rs`, `list_messages.rs`, `search_messages.rs`, `mark_read.rs` |
//! | message changes | `edit_message`, `delete_message`, `react_to_message` | `edit_message.rs`, `delete_message.rs`, `react_to_message.rs` |
//! | files | `upload_attachment`, `announce_direct_upload` / `receive_direct_upload` / `complete_direct_upload`, `download_attachment`, `sweep_unsent_uploads` | `upload_attachment.rs`, `direct_upload.rs`, `download_attachment.rs`, `sweep_unsent_uploads.rs` |
//! | realtime | `authorize_channel` (Pusher private/presence sign-in), `authenticate_socket_user` (`pusher:signin` as the caller, watching their direct chats), `outsiders_among` (a node confirms a room's listeners) | `authorize_channel.rs`, `authenticate_socket_user.rs`, `confirm_listeners.rs` |
//! | presence in a room | `signal_typing` ("… is typing", one event per 2 s) | `signal_typing.rs` |
//! | envelope protocol | `join_address`, `send_to_address`, `ping`, `catch_up` | `join_address.rs`, `send_to_address.rs`, `ping.rs`, `catch_up.rs` |
//! | webhooks | `WebhookDelivery::step` (one delivery round per destination) | `deliver_webhooks.rs` |
//! | mail | `MailDelivery::step` (send what the queue holds, retry what failed) | `deliver_mail.rs` |
//! | your data (rules: `confab_domain::data_export`) | `request_export` / `export_status` / `download_export`; `ExportBuilding::step` (the background build) | `data_export.rs`, `build_export.rs` |
//!
//! Shared steps: `room_changes.rs` (decide on a room under its lock), `publish.rs` (tell a
//! change's events live), `caller.rs` (who is asking, and their summary).

pub mod authenticate;
pub mod authenticate_socket_user;
pub mod authorize_channel;
pub mod ban_participant;
pub mod block_user;
pub mod build_export;
pub mod catch_up;
pub mod change_password;
pub mod change_role;
pub mod close_room;
pub mod confirm_listeners;
pub mod create_conversation;
pub mod data_export;
pub mod delete_account;
pub mod delete_message;
pub mod deliver_mail;
pub mod deliver_webhooks;
pub mod direct_upload;
pub mod download_attachment;
pub mod edit_message;
pub mod follow_thread;
pub mod get_conversation;
pub mod invite_users;
pub mod join_address;
pub mod leave_conversation;
pub mod list_bans;
pub mod list_conversations;
pub mod list_mentions;
pub mod list_messages;
pub mod list_thread;
pub mod list_threads;
pub mod login;
pub mod logout;
pub mod mark_read;
pub mod pin_message;
pub mod ping;
pub mod react_to_message;
pub mod read_audit_log;
pub mod refresh_session;
pub mod register;
pub mod remove_participant;
pub mod report_message;
pub mod reset_password;
pub mod search_messages;
pub mod search_users;
pub mod send_message;
pub mod send_to_address;
pub mod set_avatar;
pub mod set_notifications;
pub mod signal_typing;
pub mod sweep_unsent_uploads;
pub mod time_out_participant;
pub mod transfer_ownership;
pub mod unban_participant;
pub mod update_conversation;
pub mod update_profile;
pub mod upload_attachment;
pub mod verify_email;
