//! Threads: a root's replies, following a thread, reading it, and the threads you follow. A reply
//! is sent like any message, with `thread_id`.

use confab_application::Confab;
use confab_domain::{ConversationId, MessageId};
use poem::Request;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Done};
use crate::dto::{
    CursorLimit, CursorMeta, FollowedThreadDto, MessageDto, Ruled, StatusMessage,
    ThreadListEnvelope, ThreadPageEnvelope,
};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct ThreadsApi;

#[derive(ApiResponse)]
enum OneThread {
    #[oai(status = 200)]
    Ok(Json<ThreadPageEnvelope>),
}

#[derive(ApiResponse)]
enum ThreadList {
    #[oai(status = 200)]
    Ok(Json<ThreadListEnvelope>),
}

#[OpenApi(tag = "ApiTags::Messages")]
impl ThreadsApi {
    /// Read a thread
    ///
    /// The root (with its `thread` summary) and its replies: the newest `limit` without a cursor,
    /// or those before / after a reply (as history's cursors; `meta.has_more`). 404 if you are not
    /// in the room, or the message is not one that holds a thread here (none, or a reply in one).
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/thread",
        method = "get",
        operation_id = "getThread"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn thread(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The root message's id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
        /// A reply's id: return replies older than it, newest first.
        before: Query<Option<i64>>,
        /// A reply's id: return replies newer than it, oldest first.
        after: Query<Option<i64>>,
        /// How many replies, 1–100 (default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<OneThread> {
        let caller = caller_of(&auth, request);
        let page = app
            .list_thread(
                &caller,
                ConversationId(id.0),
                MessageId(message_id.0),
                before.0,
                after.0,
                limit.0.0,
            )
            .await?;
        Ok(OneThread::Ok(Json(ThreadPageEnvelope {
            status: true,
            root: MessageDto::from(&page.root),
            meta: CursorMeta::from(&page.replies),
            data: page.replies.items.iter().map(MessageDto::from).collect(),
        })))
    }

    /// Follow a thread
    ///
    /// `notification`s of type `thread_reply` for its replies (as your settings allow) and its
    /// place in `GET /api/v1/user/threads`, with nothing unread from now. Replying follows too; a
    /// root's author follows from its first reply.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/thread/follow",
        method = "put",
        operation_id = "followThread"
    )]
    async fn follow(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The root message's id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.follow_thread(&caller, ConversationId(id.0), MessageId(message_id.0), true)
            .await?;
        Ok(Done::Ok(Json(StatusMessage::new("Following the thread."))))
    }

    /// Stop following a thread
    ///
    /// No more `thread_reply` notifications until you reply in it again.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/thread/follow",
        method = "delete",
        operation_id = "unfollowThread"
    )]
    async fn unfollow(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The root message's id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.follow_thread(
            &caller,
            ConversationId(id.0),
            MessageId(message_id.0),
            false,
        )
        .await?;
        Ok(Done::Ok(Json(StatusMessage::new(
            "Not following the thread.",
        ))))
    }

    /// Mark a thread as read
    ///
    /// Your `unread_count` in it (in `GET /api/v1/user/threads`) drops to 0.
    #[oai(
        path = "/api/v1/conversations/:id/messages/:messageId/thread/read",
        method = "post",
        operation_id = "markThreadRead"
    )]
    async fn read(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// Conversation id.
        id: Path<i64>,
        /// The root message's id.
        #[oai(name = "messageId")]
        message_id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.mark_thread_read(&caller, ConversationId(id.0), MessageId(message_id.0))
            .await?;
        Ok(Done::Ok(Json(StatusMessage::new("Marked as read."))))
    }

    /// List my threads
    ///
    /// The threads you follow that have replies, in the rooms you are in, most recently active
    /// first, each with its root (and `thread` summary) and your `unread_count` in it. Page back
    /// with `before` = the last thread's `thread.last_reply_id`.
    #[oai(
        path = "/api/v1/user/threads",
        method = "get",
        operation_id = "listThreads"
    )]
    async fn list(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// A message id: threads whose last reply is older than it.
        before: Query<Option<i64>>,
        /// How many, 1–100 (default 20).
        limit: Query<Ruled<Option<i64>, CursorLimit>>,
    ) -> ApiResult<ThreadList> {
        let caller = caller_of(&auth, request);
        let threads = app.list_threads(&caller, before.0, limit.0.0).await?;
        Ok(ThreadList::Ok(Json(ThreadListEnvelope {
            status: true,
            meta: CursorMeta::from(&threads),
            data: threads.items.iter().map(FollowedThreadDto::from).collect(),
        })))
    }
}
