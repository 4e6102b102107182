//! One module per use case, named after what the client asks for.

pub mod authenticate;
pub mod authorize_channel;
pub mod ban_participant;
pub mod catch_up;
pub mod close_room;
pub mod confirm_listeners;
pub mod create_conversation;
pub mod delete_message;
pub mod edit_message;
pub mod get_conversation;
pub mod invite_users;
pub mod join_address;
pub mod leave_conversation;
pub mod list_conversations;
pub mod list_messages;
pub mod login;
pub mod mark_read;
pub mod ping;
pub mod react_to_message;
pub mod register;
pub mod remove_participant;
pub mod search_messages;
pub mod search_users;
pub mod send_message;
pub mod send_to_address;
