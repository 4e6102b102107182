//! The people you block (`confab_domain::blocks`): they cannot message you or bring you into a
//! room, and their messages reach you marked `author_blocked`. Nothing tells them.

use confab_application::Confab;
use confab_domain::UserId;
use poem::Request;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, OpenApi};

use super::{ApiTags, Done};
use crate::dto::{BlockListEnvelope, BlockedUserDto, StatusMessage};
use crate::error::ApiResult;
use crate::security::{BearerAuth, caller_of};

#[derive(Default)]
pub struct BlocksApi;

#[derive(ApiResponse)]
enum Blocks {
    #[oai(status = 200)]
    Ok(Json<BlockListEnvelope>),
}

#[OpenApi(tag = "ApiTags::Users")]
impl BlocksApi {
    /// Block a user
    ///
    /// They can no longer start a direct chat with you, write in yours, or invite you to a
    /// room; in rooms you share, their messages carry `author_blocked: true` in what you read
    /// and do not count as unread. Blocking again changes nothing.
    #[oai(
        path = "/api/v1/user/blocks/:userId",
        method = "put",
        operation_id = "blockUser"
    )]
    async fn block(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// The user to block.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.block_user(&caller, UserId(user_id.0)).await?;
        Ok(Done::Ok(Json(StatusMessage::new("User blocked."))))
    }

    /// Unblock a user
    #[oai(
        path = "/api/v1/user/blocks/:userId",
        method = "delete",
        operation_id = "unblockUser"
    )]
    async fn unblock(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
        /// The user to unblock.
        #[oai(name = "userId")]
        user_id: Path<i64>,
    ) -> ApiResult<Done> {
        let caller = caller_of(&auth, request);
        app.unblock_user(&caller, UserId(user_id.0)).await?;
        Ok(Done::Ok(Json(StatusMessage::new("User unblocked."))))
    }

    /// List blocked users
    #[oai(
        path = "/api/v1/user/blocks",
        method = "get",
        operation_id = "listBlocks"
    )]
    async fn list(
        &self,
        app: Data<&Confab>,
        auth: BearerAuth,
        request: &Request,
    ) -> ApiResult<Blocks> {
        let caller = caller_of(&auth, request);
        let blocked = app.list_blocks(&caller).await?;
        Ok(Blocks::Ok(Json(BlockListEnvelope {
            status: true,
            data: blocked.iter().map(BlockedUserDto::from).collect(),
        })))
    }
}
